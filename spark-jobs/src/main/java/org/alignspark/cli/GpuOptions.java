package org.alignspark.cli;

import org.alignspark.executor.GpuStages;
import picocli.CommandLine.Option;

/** GPU executors for the stages that run a model, through Spark's stage-level scheduling (a picocli mixin). */
public final class GpuOptions {
    @Option(names = "--executor-gpus", defaultValue = "0",
            description = "GPUs each executor of the model stages asks for, in their own ResourceProfile (0: off; the other "
                    + "stages never hold a GPU). Needs spark.dynamicAllocation.enabled (and shuffleTracking without a shuffle service).")
    public int executorGpus;

    @Option(names = "--task-gpus", defaultValue = "1", description = "GPUs each task of a model stage (one worker) holds.")
    public double taskGpus;

    @Option(names = "--gpu-discovery-script", defaultValue = "",
            description = "Executors' GPU discovery script (Spark's getGpusResources.sh); not needed where the cluster manager assigns GPUs.")
    public String discoveryScript;

    @Option(names = "--gpu-vendor", defaultValue = "", description = "GPU vendor for Kubernetes (nvidia.com).")
    public String vendor;

    public GpuStages stages() {
        return new GpuStages(executorGpus, taskGpus, discoveryScript, vendor);
    }
}
