package org.alignspark.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.alignspark.train.Checkpoints;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A step with its variables substituted: the command line it will run and its config hash. The hash covers the job,
 * its options and the hash of the step before it, so changing a step's options re-runs it and every step after it.
 * {@code ${checkpoint:FOLDER}} (the newest complete checkpoint of a training run) stays unresolved until the step runs,
 * since the run that writes it may be an earlier step of the same night.
 */
public record StepPlan(PipelineConfig.Step step, List<String> args, List<String> outputs, String configHash) {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([a-z][a-z0-9_-]*)}");
    private static final Pattern CHECKPOINT = Pattern.compile("\\$\\{checkpoint:([^}]+)}");

    /**
     * Plans every step in order; {@code builtins} are dt, warehouse and work, and {@code jobTakes} says whether a job
     * takes an option ({@code init-model}, {@code --dt}): a step is given {@code --dt} and {@code --warehouse} when its
     * job takes them.
     */
    public static List<StepPlan> plan(PipelineConfig config, Map<String, String> builtins, BiPredicate<String, String> jobTakes) {
        Map<String, String> vars = vars(config, builtins);
        List<StepPlan> plans = new ArrayList<>();
        String previous = "";
        for (PipelineConfig.Step step : config.steps()) {
            List<String> args = new ArrayList<>();
            args.add(step.job());
            String where = "step '" + step.name() + "'";
            for (var option : step.args().entrySet()) {
                String flag = "--" + option.getKey();
                Object value = option.getValue();
                if (value == null) {
                    args.add(flag);
                } else if (value instanceof List<?> values) {
                    for (Object v : values) {
                        args.add(flag);
                        args.add(substitute(v.toString(), vars, where));
                    }
                } else {
                    args.add(flag);
                    args.add(substitute(value.toString(), vars, where));
                }
            }
            for (String builtin : new String[]{"dt", "warehouse"}) {
                if (!step.args().containsKey(builtin) && jobTakes.test(step.job(), "--" + builtin)) {
                    args.add("--" + builtin);
                    args.add(vars.get(builtin));
                }
            }
            List<String> outputs = step.outputs().stream().map(o -> substitute(o, vars, where)).toList();
            String hash = sha256(previous + "\u0000" + String.join("\u0000", args));
            plans.add(new StepPlan(step, List.copyOf(args), outputs, hash));
            previous = hash;
        }
        return plans;
    }

    /** The built-ins and the config's vars, each var with the built-ins and the vars above it substituted. */
    public static Map<String, String> vars(PipelineConfig config, Map<String, String> builtins) {
        Map<String, String> vars = new java.util.LinkedHashMap<>(builtins);
        config.vars().forEach((k, v) -> {
            if (builtins.containsKey(k)) {
                throw new IllegalArgumentException("pipeline " + config.name() + ": vars may not redefine ${" + k + "}");
            }
        });
        for (var e : config.vars().entrySet()) {
            vars.put(e.getKey(), substitute(e.getValue(), vars, "vars." + e.getKey()));
        }
        return vars;
    }

    /** The command line with every {@code ${checkpoint:FOLDER}} resolved to that run's newest checkpoint. */
    public String[] commandLine(FileSystem fs) throws IOException {
        String[] resolved = new String[args.size()];
        for (int i = 0; i < resolved.length; i++) {
            Matcher m = CHECKPOINT.matcher(args.get(i));
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                Path run = new Path(m.group(1));
                Path newest = Checkpoints.latestFolder(run.getFileSystem(fs.getConf()), run).orElseThrow(() ->
                        new IllegalStateException("step '" + step.name() + "' needs a checkpoint under " + run
                                + ", and there is none: run the step that trains it first"));
                m.appendReplacement(out, Matcher.quoteReplacement(newest.toString()));
            }
            m.appendTail(out);
            resolved[i] = out.toString();
        }
        return resolved;
    }

    static String substitute(String text, Map<String, String> vars, String where) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = vars.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException(where + ": unknown variable ${" + m.group(1) + "} (defined: "
                        + new java.util.TreeSet<>(vars.keySet()) + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
