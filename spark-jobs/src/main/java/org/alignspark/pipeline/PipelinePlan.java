package org.alignspark.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pipeline planned for one night: its vars with the built-ins ({@code dt}, {@code warehouse}, {@code work})
 * substituted, and each step's command line and config hash ({@link StepPlan}). Planning launches nothing, so a config
 * that names an unknown job or variable, or gives a step an option its job does not take (or lacks a required one),
 * fails before any step runs.
 */
public record PipelinePlan(PipelineConfig pipeline, String dt, String work, Map<String, String> vars, List<StepPlan> steps) {
    public static PipelinePlan of(PipelineConfig pipeline, String dt, String warehouse, String work, JobLauncher launcher) {
        Map<String, String> builtins = Map.of("dt", dt, "warehouse", warehouse, "work", work);
        List<StepPlan> steps = StepPlan.plan(pipeline, builtins, (job, option) -> {
            Set<String> options = launcher.options(job).orElseThrow(() ->
                    new IllegalArgumentException("pipeline " + pipeline.name() + ": unknown job '" + job + "'"));
            return options.contains(option);
        });
        // Every step's options are checked against its job now, so a typo in step 5 does not surface after step 4 ran.
        List<String> errors = steps.stream().flatMap(step -> launcher.check(step.args().toArray(String[]::new))
                .map(error -> "step '" + step.step().name() + "' (" + step.step().job() + "): " + error).stream()).toList();
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("pipeline " + pipeline.name() + ": " + String.join("; ", errors)
                    + "; nothing was run");
        }
        return new PipelinePlan(pipeline, dt, work, StepPlan.vars(pipeline, builtins), steps);
    }
}
