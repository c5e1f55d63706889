package org.alignspark.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.apache.hadoop.fs.Path;

/**
 * A pipeline: named steps, each one alignspark job with its options and the outputs that show it complete. Read from
 * YAML:
 * <pre>
 * name: nightly
 * vars: {scorer: /models/scorer}          # ${scorer} in any value; ${dt}, ${warehouse}, ${work} are always defined
 * steps:
 *   - name: score
 *     job: flr-score
 *     args: {responses: generated, scorer: "${scorer}", output: generated_flr}   # --dt and --warehouse are added
 *     outputs: [table:generated_flr]       # or path:${work}/rm for a model folder
 * </pre>
 * An option given {@code null} is passed as a bare flag, a list as the option repeated.
 */
public record PipelineConfig(String name, Map<String, String> vars, List<Step> steps) {
    /** Pipelines bundled in the jar, by the name --config accepts instead of a file. */
    static final Map<String, String> BUNDLED = Map.of("demo", "/org/alignspark/pipeline/demo.yaml");

    /** One step: a job, its options (values may hold placeholders) and what it writes. */
    public record Step(String name, String job, Map<String, Object> args, List<String> outputs) {}

    public static PipelineConfig read(String location) {
        String bundled = BUNDLED.get(location);
        try (InputStream in = bundled != null ? PipelineConfig.class.getResourceAsStream(bundled)
                : ModelFolder.of(new Path(location).getParent().toString()).open(new Path(location).getName())) {
            return parse(new ObjectMapper(new YAMLFactory()).readTree(in), location);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pipeline config " + location, e);
        }
    }

    static PipelineConfig parse(JsonNode root, String location) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(location + ": a pipeline config is a mapping with name and steps");
        }
        String name = text(root, "name", location);
        Map<String, String> vars = new LinkedHashMap<>();
        root.path("vars").fields().forEachRemaining(v -> vars.put(v.getKey(), v.getValue().asText()));
        JsonNode stepNodes = root.get("steps");
        if (stepNodes == null || !stepNodes.isArray() || stepNodes.isEmpty()) {
            throw new IllegalArgumentException(location + ": 'steps' must be a non-empty list");
        }
        List<Step> steps = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode s : stepNodes) {
            String stepName = text(s, "name", location);
            String where = location + ": step '" + stepName + "'";
            if (!names.add(stepName)) {
                throw new IllegalArgumentException(where + " is defined twice");
            }
            Map<String, Object> args = new LinkedHashMap<>();
            s.path("args").fields().forEachRemaining(a -> {
                JsonNode v = a.getValue();
                if (v.isObject()) {
                    throw new IllegalArgumentException(where + ": option '" + a.getKey() + "' must be a value or a list of values");
                }
                if (v.isArray()) {
                    List<String> values = new ArrayList<>();
                    v.forEach(x -> values.add(x.asText()));
                    args.put(a.getKey(), values);
                } else {
                    args.put(a.getKey(), v.isNull() ? null : v.asText());
                }
            });
            List<String> outputs = new ArrayList<>();
            s.path("outputs").forEach(o -> {
                String out = o.asText();
                if (!out.startsWith("table:") && !out.startsWith("path:")) {
                    throw new IllegalArgumentException(where + ": output '" + out + "' must start with table: or path:");
                }
                outputs.add(out);
            });
            if (outputs.isEmpty()) {
                throw new IllegalArgumentException(where + " needs at least one output (table:NAME or path:FOLDER) to know when it is complete");
            }
            steps.add(new Step(stepName, text(s, "job", where), args, List.copyOf(outputs)));
        }
        // In file order: a var may use the vars above it (StepPlan substitutes them in this order).
        return new PipelineConfig(name, java.util.Collections.unmodifiableMap(vars), List.copyOf(steps));
    }

    /**
     * This config with some vars' values replaced (pipeline --set name=value); a name the config does not define is an
     * error, so a typo does not silently run the defaults.
     */
    public PipelineConfig withVars(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(vars);
        for (var o : overrides.entrySet()) {
            if (!merged.containsKey(o.getKey())) {
                throw new IllegalArgumentException("pipeline " + name + " has no var '" + o.getKey() + "' to set (vars: "
                        + merged.keySet() + ")");
            }
            merged.put(o.getKey(), o.getValue());
        }
        return new PipelineConfig(name, java.util.Collections.unmodifiableMap(merged), steps);
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": '" + field + "' is required");
        }
        return value.asText();
    }
}
