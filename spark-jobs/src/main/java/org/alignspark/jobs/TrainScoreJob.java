package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.ModelOption;
import org.alignspark.cli.SelfCorrectionOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.TrainingMemoryOptions;
import org.alignspark.cli.TrainerOptions;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.MemorySettings;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.ScoreObjective;
import org.alignspark.common.selfcorrect.ScorePrompt;
import org.alignspark.common.selfcorrect.ScoreRewards;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.Checkpoints;
import org.alignspark.train.ExampleTable;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.train.TrainingConfig;
import org.alignspark.train.TrainingMetricsTable;
import org.alignspark.warehouse.Warehouse;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.first;

/**
 * {@code train-score}: SCoRe (Kumar et al. arXiv 2409.12917, docs/spec-data-side.md §4) on the parameter-averaging engine.
 * Stage I maximizes the second attempt's reward with a β₂ KL keeping the first attempt near the base model; Stage II,
 * from Stage I's weights, maximizes both attempts' rewards with a β₁ KL and the bonus α·(r(y₂) − r(y₁)) on attempt 2.
 * Both are on-policy REINFORCE with a per-prompt baseline ({@link ScoreObjective}): every minibatch draws its
 * two-attempt rollouts from the current weights inside the worker. KL is to the base model. Checkpoints go to
 * {@code <output>/stage-1} and {@code <output>/stage-2}; rewards, Δ and KL per round go to training_metrics
 * (objectives {@code score-stage-1}, {@code score-stage-2}).
 */
@Command(name = "train-score", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "SCoRe: two-stage on-policy RL for self-correction (REINFORCE, per-prompt baseline, KL to the base model).")
public final class TrainScoreJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainScoreJob.class);

    @Option(names = "--prompts", required = true, description = "Table with prompt_id, prompt and reference_answer.")
    String promptsTable;

    @Option(names = "--stage1-epochs", defaultValue = "1", description = "Passes over the prompts in Stage I (0 skips it); --epochs sets Stage II's.")
    int stage1Epochs;

    @Option(names = "--alpha", defaultValue = "10.0", description = "Stage II reward-shaping bonus α·(r(y2) − r(y1)).")
    double alpha;

    @Option(names = "--beta1", defaultValue = "0.01", description = "KL weight on both turns (Stage II) and on turn 2 (Stage I).")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.1", description = "Stage I KL weight keeping attempt 1 near the base model.")
    double beta2;

    @Option(names = "--samples-per-prompt", defaultValue = "4", description = "Two-attempt rollouts per prompt (≥ 2, for the baseline).")
    int samplesPerPrompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Longest attempt in tokens.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Rollout sampling temperature.")
    double temperature;

    @Mixin JobOptions job;
    @Mixin SelfCorrectionOptions selfCorrection;
    @Mixin SplitOption split = new SplitOption("train");
    @Mixin ModelOption model;
    @Mixin TrainerOptions trainer;
    @Mixin TrainingMemoryOptions memory;

    @Override
    public Integer call() {
        require(stage1Epochs >= 0 && trainer.epochs >= 0, "epochs must be ≥ 0");
        Verifier check = selfCorrection.verifier();
        CorrectionInstruction correction = selfCorrection.instruction();
        ScoreRewards.Coefficients coefficients = new ScoreRewards.Coefficients(alpha, beta1, beta2);
        Warehouse warehouse = job.open();
        SparkSession spark = warehouse.spark();

        String dt = job.dt();
        Dataset<Row> table = warehouse.partition(promptsTable, dt, split.split());
        require(List.of(table.columns()).contains("reference_answer"), "table " + promptsTable + " has no reference_answer column");
        Dataset<Row> rows = table.groupBy("prompt_id").agg(first("prompt").as("prompt"), first("reference_answer", true).as("reference_answer"));
        // Rollouts are generated inside the objective: no length to bound, only references the verifier must be able to check.
        ExampleTable<ScorePrompt> prompts = ExampleTable.of(warehouse, "train-score", trainer.config(dt, 0).runId(), dt, rows, "prompt_id",
                model.baseModel(), Integer.MAX_VALUE, (encoder, r) -> {
                    String unusable = check.rejectReference(r.getAs("reference_answer"));
                    if (unusable != null) {
                        throw new ExampleTable.Rejected(unusable);
                    }
                    return ScorePrompt.of(r.getAs("prompt_id"), ModelRows.messages(r, "prompt"), r.getAs("reference_answer"));
                }, p -> 0);
        long kept = prompts.count();
        require(kept > 0, "no prompt of " + promptsTable + " (dt=" + dt + ", split " + split.split() + ") has a checkable reference answer");
        LOG.info("train-score: {} prompts from {} (dt={}, split {}), base model {}", kept, promptsTable, dt, split.split(), model.baseModel());

        String base = model.baseModel();
        CausalLM scratch = HfCheckpoint.load(ModelFolder.of(base), DataType.FLOAT);
        TensorBundle parameters = TensorBundle.of(scratch.parameters().values());
        int[] epochs = {stage1Epochs, trainer.epochs};
        MemorySettings settings = memory.settings();
        int chunk = settings.logitChunkTokens();
        for (ScoreRewards.Stage stage : ScoreRewards.Stage.values()) {
            int stageEpochs = epochs[stage.ordinal()];
            if (stageEpochs == 0) {
                LOG.info("SCoRe stage {} skipped (0 epochs)", stage);
                continue;
            }
            String name = "stage-" + (stage.ordinal() + 1);
            ScoreObjective objective = new ScoreObjective(new ScoreObjective.Settings(stage, coefficients, samplesPerPrompt,
                    maxNewTokens, temperature, trainer.seed + stage.ordinal(), correction, check),
                    () -> ExecutorModels.encoder(base), () -> ExecutorModels.replica(base).setLogitChunkTokens(chunk));
            ParameterAveraging<ScorePrompt, LanguageModel> engine = new ParameterAveraging<>(spark, stageConfig(name, stageEpochs, kept),
                    () -> new LanguageModel(settings.applyTo(
                            new CausalLM(HfCheckpoint.readConfig(ModelFolder.of(base), DataType.FLOAT)))),
                    objective, Checkpoints.ModelWriter.causalLm(scratch, base),
                    new TrainingMetricsTable(spark, warehouse, "score-" + name, dt));
            parameters = engine.fit(prompts.examples(), parameters);
        }
        prompts.release();
        System.out.println("SCoRe checkpoints under " + trainer.output + " (stage-1, stage-2)");
        return 0;
    }

    /** The trainer's settings for one stage: its own epochs, run id suffix and checkpoint folder. */
    private TrainingConfig stageConfig(String stage, int epochs, long prompts) {
        int saved = trainer.epochs;
        trainer.epochs = epochs;
        TrainingConfig c = trainer.config(job.dt(), prompts);
        trainer.epochs = saved;
        return new TrainingConfig(c.runId() + "-" + stage, new Path(c.output(), stage).toString(), c.workers(), c.epochs(),
                c.batchSizePerWorker(), c.averagingFrequency(), c.checkpointEvery(), c.seed(), c.optimizer(), c.dt(),
                c.crashAfterRound(), c.averaging(), c.gpus());
    }
}
