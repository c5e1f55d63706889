package org.alignspark.executor;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ExecutorResourceRequests;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GPU executors the way Spark schedules them: stage-level scheduling (Spark 3.1+, "Stage Level Scheduling Overview"
 * in Spark's configuration docs). The stages that run a model ask for a {@link ResourceProfile} with an executor
 * {@code gpu} amount (and the discovery script that finds an executor's GPUs) and a task {@code gpu} amount; every
 * other stage of the application (reading and encoding tables, shuffles, writes) stays in the default profile, on
 * executors that hold no GPU. Spark requests executors per profile, so this needs dynamic allocation
 * ({@code spark.dynamicAllocation.enabled=true} and, without an external shuffle service,
 * {@code spark.dynamicAllocation.shuffleTracking.enabled=true}) on YARN, Kubernetes or standalone.
 *
 * <p>A task of a GPU stage binds ND4J to the address Spark assigned it ({@link #bindAssignedGpu()}): ND4J's CUDA
 * backend then allocates and runs that thread's arrays on the device with that ordinal (with
 * {@code CUDA_DEVICE_ORDER=PCI_BUS_ID} in the executor's environment CUDA's ordinals are nvidia-smi's indices, which
 * Spark's discovery script reports). On the CPU backend binding does nothing and the CPU does the arithmetic.
 *
 * @param executorGpus GPUs each executor of a model stage asks for (0: off, model stages run in the default profile)
 * @param taskGpus GPUs each task of a model stage holds (one worker or one scoring partition per GPU: 1)
 * @param discoveryScript the executors' GPU discovery script (Spark's {@code getGpusResources.sh}); may be empty
 *                        where the cluster manager assigns the addresses (standalone Workers, Kubernetes' device plugin)
 * @param vendor the device vendor Kubernetes requests ({@code nvidia.com}); may be empty elsewhere
 */
public record GpuStages(int executorGpus, double taskGpus, String discoveryScript, String vendor) implements Serializable {
    /** Spark's resource name for GPUs, in {@code spark.executor.resource.gpu.*} and {@code TaskContext.resources()}. */
    public static final String GPU = "gpu";

    public GpuStages {
        discoveryScript = discoveryScript == null ? "" : discoveryScript;
        vendor = vendor == null ? "" : vendor;
        if (executorGpus < 0) {
            throw new IllegalArgumentException("--executor-gpus must be at least 0, got " + executorGpus);
        }
        if (executorGpus > 0 && !(taskGpus > 0 && taskGpus <= executorGpus)) {
            throw new IllegalArgumentException("--task-gpus must be > 0 and at most --executor-gpus (" + executorGpus + "), got " + taskGpus);
        }
        if (executorGpus > 0 && taskGpus > 1 && taskGpus != Math.floor(taskGpus)) {
            throw new IllegalArgumentException("--task-gpus above 1 must be a whole number, got " + taskGpus);
        }
    }

    /** Model stages run in the default profile (no GPU asked for). */
    public static GpuStages off() {
        return new GpuStages(0, 1, "", "");
    }

    public boolean enabled() {
        return executorGpus > 0;
    }

    /**
     * The profile a model stage asks for: the executor and task {@code gpu} amounts (CPUs as the application's
     * defaults). Build it once per job and give every model stage the same object: Spark gives each built profile
     * its own id and executors, so a profile built per stage would wait for new executors while the previous
     * profile's (holding the GPUs and the cached data) stay.
     */
    public ResourceProfile profile() {
        if (!enabled()) {
            throw new IllegalStateException("no GPUs asked for (--executor-gpus 0)");
        }
        return new ResourceProfileBuilder()
                .require(new ExecutorResourceRequests().resource(GPU, executorGpus, discoveryScript, vendor))
                .require(new TaskResourceRequests().resource(GPU, taskGpus))
                .build();
    }

    /**
     * Fails, in one line, where Spark could not schedule the profile: it requests executors per profile only under
     * dynamic allocation, and application-wide GPU settings would put a GPU on every executor anyway.
     */
    public void checkSchedulable(SparkConf conf) {
        if (!enabled()) {
            return;
        }
        if (!conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalArgumentException("--executor-gpus needs spark.dynamicAllocation.enabled=true (and "
                    + "spark.dynamicAllocation.shuffleTracking.enabled=true without a shuffle service): Spark requests "
                    + "each ResourceProfile's executors through dynamic allocation");
        }
        for (String key : new String[]{"spark.executor.resource.gpu.amount", "spark.task.resource.gpu.amount"}) {
            if (conf.contains(key)) {
                throw new IllegalArgumentException("--executor-gpus asks for GPUs for the model stages only; drop " + key
                        + ", which gives every executor or task a GPU");
            }
        }
    }


    /**
     * In a task: binds ND4J's device for this thread to the first {@code gpu} address Spark assigned the task, and
     * returns where it runs ({@code executor <id> gpu <address>}), or null when the task holds no GPU.
     */
    public static String bindAssignedGpu() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return null;
        }
        Map<String, ResourceInformation> resources = task.resourcesJMap();
        ResourceInformation gpu = resources.get(GPU);
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        String address = gpu.addresses()[0];
        int ordinal;
        try {
            ordinal = Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Spark assigned gpu address '" + address + "', not a device ordinal: "
                    + "the discovery script must report CUDA device indices");
        }
        Nd4j.getAffinityManager().unsafeSetDevice(ordinal);
        return String.format(Locale.ROOT, "executor %s gpu %s", org.apache.spark.SparkEnv.get().executorId(),
                String.join(",", gpu.addresses()));
    }
}
