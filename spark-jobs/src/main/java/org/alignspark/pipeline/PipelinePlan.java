package org.alignspark.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pipeline planned for one night: its vars with the built-ins ({@code dt}, {@code warehouse}, {@code work})
 * substituted, and each step's command line and config hash ({@link StepPlan}). Planning launches nothing, so a config
 * that names an unknown job or variable fails before any step runs.
 */
public record PipelinePlan(PipelineConfig pipeline, String dt, String work, Map<String, String> vars, List<StepPlan> steps) {
    public static PipelinePlan of(PipelineConfig pipeline, String dt, String warehouse, String work, JobLauncher launcher) {
        Map<String, String> builtins = Map.of("dt", dt, "warehouse", warehouse, "work", work);
        List<StepPlan> steps = StepPlan.plan(pipeline, builtins, (job, option) -> {
            Set<String> options = launcher.options(job).orElseThrow(() ->
                    new IllegalArgumentException("pipeline " + pipeline.name() + ": unknown job '" + job + "'"));
            return options.contains(option);
        });
        return new PipelinePlan(pipeline, dt, work, StepPlan.vars(pipeline, builtins), steps);
    }
}
