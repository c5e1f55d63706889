package org.alignspark.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.MemorySettings;
import org.alignspark.common.policy.FeedbackExample;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.Objective;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * What the policy trainers (train-dpo, train-kto, train-bco, train-list-ranking) share: the train split of a table
 * that carries the reference model's log-probs (from {@code ref-logprobs}, so the reference model is never held in
 * training), its examples through {@link ExampleTable}, and parameter-averaged fitting of the policy from
 * {@code --base-model}, each round in {@code training_metrics}.
 */
public final class PolicyTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyTrainer.class);

    private final String job;
    private final Warehouse warehouse;
    private final String inputTable;
    private final String dt;
    private final String baseModel;
    private final int maxLength;
    private final TrainerSettings trainer;
    private final Optional<LoraConfig> lora;
    private final MemorySettings memory;
    private final Dataset<Row> table;

    public PolicyTrainer(String job, Warehouse warehouse, String inputTable, String dt, String baseModel, int maxLength,
                         TrainerSettings trainer) {
        this(job, warehouse, inputTable, dt, baseModel, maxLength, trainer, Optional.empty(), MemorySettings.DEFAULT);
    }

    /**
     * With {@code lora}, the policy is LoRA adapters on the frozen base (TrainedModel); {@code memory} is the policy's
     * logit chunks and gradient checkpointing (--logit-chunk-tokens, --gradient-checkpointing).
     */
    public PolicyTrainer(String job, Warehouse warehouse, String inputTable, String dt, String baseModel, int maxLength,
                         TrainerSettings trainer, Optional<LoraConfig> lora, MemorySettings memory) {
        this.lora = lora;
        this.memory = memory;
        this.job = job;
        this.warehouse = warehouse;
        this.inputTable = inputTable;
        this.dt = dt;
        this.baseModel = baseModel;
        this.maxLength = maxLength;
        this.trainer = trainer;
        this.table = warehouse.partition(inputTable, dt);
    }

    /** The input's train split, after checking it has the columns the loss needs. */
    public Dataset<Row> train(List<String> needed) {
        List<String> missing = needed.stream().filter(c -> !List.of(table.columns()).contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("table " + inputTable + " lacks column(s) " + String.join(", ", missing)
                    + " that " + job + " needs; run ref-logprobs on it first (ref-logprobs --input <table> --output <table>_ref"
                    + (missing.contains("prompt_embedding") ? " --prompt-embeddings" : "")
                    + (missing.stream().anyMatch(c -> c.startsWith("ref_token_logps")) ? " --token-logps" : "")
                    + ") and train on its output");
        }
        return table.filter(col("split").equalTo("train"));
    }

    /** Examples of the train split's rows, over-length ones quarantined. */
    public <E extends Serializable> ExampleTable<E> examples(Dataset<Row> rows, String idColumn, ExampleTable.Encoding<E> encoding,
                                                            ExampleTable.Length<E> length) {
        return ExampleTable.of(warehouse, job, trainer.config(dt, 0).runId(), dt, rows, idColumn, baseModel, maxLength, encoding, length);
    }

    /** BCO's undesirable-example weight from a prompt embedding. */
    public interface DensityRatioWeight extends Serializable {
        double of(double[] embedding);
    }

    /**
     * Binary-feedback examples (KTO, BCO) with the given reference columns; with {@code kl_completion} among them, each
     * example carries its mismatched completion for KTO's KL term; {@code weight} (BCO) weighs undesirable examples.
     */
    public ExampleTable<FeedbackExample> feedback(List<String> referenceColumns, DensityRatioWeight weight) {
        List<String> needed = new ArrayList<>(List.of("example_id", "prompt", "completion", "label"));
        needed.addAll(referenceColumns);
        boolean kl = referenceColumns.contains("kl_completion");
        Dataset<Row> rows = train(needed).select(needed.stream().map(c -> col(c)).toArray(Column[]::new));
        return examples(rows, "example_id", (encoder, r) -> {
            List<Message> prompt = ModelRows.messages(r, "prompt");
            boolean desirable = r.getAs("label");
            double w = weight == null || desirable ? 1.0 : weight.of(embedding(r));
            return new FeedbackExample(r.getAs("example_id"), encoder.prompt(prompt), encoder.completion(prompt, r.getAs("completion")),
                    desirable, r.getAs("ref_logp"), kl ? encoder.completion(prompt, r.getAs("kl_completion")) : new int[0],
                    kl ? r.getAs("ref_logp_kl") : Double.NaN, w);
        }, e -> e.prompt().length + Math.max(e.completion().length, e.klCompletion().length));
    }

    /** A row's stored {@code prompt_embedding}. */
    public static double[] embedding(Row r) {
        List<Double> values = r.getList(r.fieldIndex("prompt_embedding"));
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public int padId() {
        return ExecutorModels.encoder(baseModel).tokenizer().padId();
    }

    public long seed() {
        return trainer.config(dt, 0).seed();
    }

    /**
     * Fits the policy on {@code examples}; {@code afterRound}, when given, sees every round's example count and metrics
     * on the driver (BCO folds its running δ there), and on resume the checkpointed rounds again, exactly the rounds
     * the resumed parameters saw.
     */
    public <E extends Serializable> void fit(ExampleTable<E> examples, Objective<E, LanguageModel> objective, String objectiveName,
                                             BiConsumer<Long, Map<String, Double>> afterRound) {
        long n = examples.count();
        LOG.info("{}: {} examples from {} (dt={}), objective {}", job, n, inputTable, dt, objectiveName);
        TrainedModel trained = new TrainedModel(baseModel, lora, seed(), memory);
        LOG.info("{}: training {}", job, trained);
        CausalLM initial = trained.initial();
        TrainingMetricsTable metrics = new TrainingMetricsTable(warehouse.spark(), warehouse, objectiveName, dt);
        ParameterAveraging.RoundListener listener = afterRound == null ? metrics : new ParameterAveraging.RoundListener() {
            @Override
            public void onRound(ParameterAveraging.RoundMetrics round) {
                afterRound.accept(round.examples(), round.metrics());
                metrics.onRound(round);
            }

            @Override
            public void onCheckpoint(int round) {
                metrics.onCheckpoint(round);
            }

            @Override
            public void onResume(TrainerState checkpointed) {
                checkpointed.logHistory().stream().filter(round -> round.round() <= checkpointed.round())
                        .forEach(round -> afterRound.accept(round.examples(), round.metrics()));
                metrics.onResume(checkpointed);
            }
        };
        ParameterAveraging<E, LanguageModel> engine = new ParameterAveraging<>(warehouse.spark(), trainer.config(dt, n),
                trained.workers(), objective, trained.writer(initial), listener);
        engine.fit(examples.examples(), TensorBundle.of(initial.parameters().values()));
        examples.release();
        System.out.println("policy checkpoints under " + trainer.config(dt, n).output());
    }
}
