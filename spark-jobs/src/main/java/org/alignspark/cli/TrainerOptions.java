package org.alignspark.cli;

import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.OptimizerConfig;
import org.alignspark.train.Averaging;
import org.alignspark.train.TrainerSettings;
import org.alignspark.train.TrainingConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every training job shares (a picocli mixin). */
public final class TrainerOptions implements TrainerSettings {
    @Option(names = "--output", required = true, description = "Run folder for checkpoints (any Hadoop path); a run started again with it resumes.")
    public String output;

    @Option(names = "--run-id", description = "Names the run in training_metrics (default: the output folder's name).")
    public String runId;

    @Option(names = "--workers", defaultValue = "2", description = "Partitions, each training a copy of the model.")
    public int workers;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the training examples.")
    public int epochs;

    @Option(names = "--batch-size-per-worker", defaultValue = "8", description = "Examples per minibatch on each worker.")
    public int batchSizePerWorker;

    @Option(names = "--averaging-frequency", defaultValue = "5", description = "Minibatches each worker fits between averagings.")
    public int averagingFrequency;

    @Option(names = "--averaging", defaultValue = "outer",
            description = "How worker results are combined each round: outer (moments stay on each worker; only float32 "
                    + "parameters travel; the driver takes an outer Nesterov step on their averaged change) or dl4j (average "
                    + "parameters and Adam moments, both broadcast every round: a lost worker or a resume changes nothing).")
    public String averaging;

    @Option(names = "--outer-lr", defaultValue = "1.0",
            description = "Outer step's learning rate (--averaging outer); 1 with --outer-momentum 0 is plain averaging (local SGD).")
    public double outerLearningRate;

    @Option(names = "--outer-momentum", defaultValue = "0.0",
            description = "Outer step's Nesterov momentum (--averaging outer); DiLoCo: --outer-lr 0.7 --outer-momentum 0.9.")
    public double outerMomentum;

    @Option(names = "--outer-wire", defaultValue = "float32",
            description = "What --averaging outer workers send back each round: float32 (their parameters, exact) or bf16 "
                    + "(the change of their parameters over the round, rounded to bfloat16: half the bytes).")
    public String outerWire;

    @Option(names = "--sync-warmup-steps", defaultValue = "0",
            description = "Post-local SGD (Lin et al. 2020): the first N rounds fit one minibatch each, i.e. the workers "
                    + "average after every step for the first N steps, then every --averaging-frequency minibatches (either --averaging).")
    public int syncWarmupSteps;

    @Option(names = "--learning-rate", defaultValue = "5e-5", description = "Peak learning rate.")
    public double learningRate;

    @Option(names = "--lr-schedule", defaultValue = "linear", description = "After warmup: constant, linear or cosine decay.")
    public String schedule;

    @Option(names = "--warmup-steps", defaultValue = "0", description = "Optimizer steps of linear warmup.")
    public int warmupSteps;

    @Option(names = "--optimizer", defaultValue = "adamw", description = "sgd, adam or adamw.")
    public String optimizer;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "AdamW's decoupled weight decay.")
    public double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Clip the global gradient norm (0: off).")
    public double maxGradNorm;

    @Option(names = "--checkpoint-every", defaultValue = "10", description = "Rounds between checkpoints (0: only the last).")
    public int checkpointEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Data order, initialisation and sampling.")
    public long seed;

    @Mixin public GpuOptions gpus = new GpuOptions();

    @Option(names = "--fail-after-round", defaultValue = "0", hidden = true,
            description = "Fault injection, for the resume test (TrainRmJobTest) only: the driver fails right after this round.")
    public int failAfterRound;

    /** The run's config; {@code examples} sizes the decay schedules' step count. */
    @Override
    public TrainingConfig config(String dt, long examples) {
        long perRound = (long) workers * batchSizePerWorker * averagingFrequency;
        long rounds = Math.max(1, (examples + perRound - 1) / perRound) * epochs;
        int totalSteps = (int) Math.max(1, rounds * averagingFrequency);
        LearningRateSchedule lr = new LearningRateSchedule(learningRate, warmupSteps, totalSteps, LearningRateSchedule.Shape.parse(schedule));
        OptimizerConfig.Kind kind = OptimizerConfig.Kind.parse(optimizer);
        OptimizerConfig optimizerConfig = new OptimizerConfig(kind, lr, 0.9, 0.999, 1e-8, weightDecay, maxGradNorm);
        return new TrainingConfig(runId == null ? new org.apache.hadoop.fs.Path(output).getName() : runId, output, workers, epochs, batchSizePerWorker,
                averagingFrequency, checkpointEvery, seed, optimizerConfig, dt, failAfterRound,
                new Averaging(Averaging.Mode.parse(averaging), outerLearningRate, outerMomentum, syncWarmupSteps,
                        Averaging.parseOuterWire(outerWire)), gpus.stages());
    }
}
