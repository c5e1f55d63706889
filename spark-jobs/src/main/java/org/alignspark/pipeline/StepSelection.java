package org.alignspark.pipeline;

import java.util.HashSet;
import java.util.Set;

/**
 * Which steps of a pipeline run: by default the incomplete ones; {@code --from} also forces a step and every step after
 * it; {@code --only} runs just one step, complete or not.
 */
public record StepSelection(Set<String> forced, String only) {
    /** The selection for {@code --from} and {@code --only} (either may be null), checked against the pipeline's steps. */
    public static StepSelection of(PipelineConfig pipeline, String from, String only) {
        for (String step : new String[]{from, only}) {
            if (step != null && pipeline.steps().stream().noneMatch(s -> s.name().equals(step))) {
                throw new IllegalArgumentException("pipeline " + pipeline.name() + " has no step '" + step + "' (steps: "
                        + pipeline.steps().stream().map(PipelineConfig.Step::name).toList() + ")");
            }
        }
        Set<String> forced = new HashSet<>();
        boolean after = false;
        for (PipelineConfig.Step step : pipeline.steps()) {
            after |= step.name().equals(from);
            if (after) {
                forced.add(step.name());
            }
        }
        return new StepSelection(Set.copyOf(forced), only);
    }

    /** Whether step {@code step}, complete or not, runs. */
    public boolean runs(String step, boolean complete) {
        return only != null ? only.equals(step) : forced.contains(step) || !complete;
    }
}
