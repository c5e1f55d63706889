package org.alignspark.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layout's rules, read from the main sources' import statements (README, "Layout"): a job imports no other job,
 * common imports no Spark, and no two packages import each other through any chain.
 */
class LayoutTest {
    private static final Path ROOT = Path.of(System.getProperty("alignspark.root", ".."));
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(org\\.alignspark\\.[\\w.]+|org\\.apache\\.spark\\.[\\w.]+)", Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

    /** A main source file: its package, its class and the classes and packages it imports. */
    record Source(Path file, String pkg, String name, List<String> imports) {}

    static List<Source> mainSources() {
        List<Source> sources = new ArrayList<>();
        for (String module : List.of("common", "preference-data", "spark-jobs")) {
            Path main = ROOT.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(main)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(file);
                    Matcher pkg = PACKAGE.matcher(text);
                    assertTrue(pkg.find(), file + " has no package");
                    List<String> imports = new ArrayList<>();
                    for (Matcher m = IMPORT.matcher(text); m.find(); ) {
                        imports.add(m.group(1));
                    }
                    String name = file.getFileName().toString().replace(".java", "");
                    sources.add(new Source(file, pkg.group(1), name, imports));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sources;
    }

    /** The package of an imported name: the part before its first capitalised segment. */
    static String packageOf(String imported) {
        StringBuilder pkg = new StringBuilder();
        for (String part : imported.split("\\.")) {
            if (!part.isEmpty() && Character.isUpperCase(part.charAt(0))) {
                break;
            }
            pkg.append(pkg.length() == 0 ? "" : ".").append(part);
        }
        return pkg.toString();
    }

    @Test
    void noJobImportsAnotherJob() {
        List<String> offences = new ArrayList<>();
        for (Source s : mainSources()) {
            if (s.pkg().equals("org.alignspark.jobs")) {
                s.imports().stream().filter(i -> packageOf(i).equals("org.alignspark.jobs")).forEach(i -> offences.add(s.name() + " → " + i));
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void jobsPackageHoldsJobsOnly() {
        List<String> notJobs = mainSources().stream().filter(s -> s.pkg().equals("org.alignspark.jobs") && !s.name().endsWith("Job"))
                .map(Source::name).toList();
        assertEquals(List.of(), notJobs);
    }

    @Test
    void commonAndPreferenceDataImportNoSpark() {
        List<String> offences = new ArrayList<>();
        for (Source s : mainSources()) {
            if (s.pkg().startsWith("org.alignspark.common") || s.pkg().startsWith("org.alignspark.data")) {
                s.imports().stream().filter(i -> i.startsWith("org.apache.spark")).forEach(i -> offences.add(s.name() + " → " + i));
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void packagesImportEachOtherInOneDirection() {
        Map<String, Set<String>> edges = new TreeMap<>();
        for (Source s : mainSources()) {
            for (String i : s.imports()) {
                String target = packageOf(i);
                if (target.startsWith("org.alignspark") && !target.equals(s.pkg())) {
                    edges.computeIfAbsent(s.pkg(), p -> new TreeSet<>()).add(target);
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String start : edges.keySet()) {
            List<String> path = cycleFrom(start, start, edges, new ArrayList<>(List.of(start)), new HashSet<>());
            if (path != null) {
                cycles.add(String.join(" → ", path));
            }
        }
        assertEquals(List.of(), cycles);
    }

    private static List<String> cycleFrom(String start, String at, Map<String, Set<String>> edges, List<String> path, Set<String> seen) {
        for (String next : edges.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(start);
                return cycle;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = cycleFrom(start, next, edges, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return null;
    }
}
