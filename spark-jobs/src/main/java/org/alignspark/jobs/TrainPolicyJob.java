package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.objectives.BcoLoss;
import org.alignspark.common.objectives.DensityRatioClassifier;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.objectives.KtoLoss;
import org.alignspark.common.objectives.ListRankingLoss;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.policy.BcoObjective;
import org.alignspark.common.policy.DpoObjective;
import org.alignspark.common.policy.FeedbackExample;
import org.alignspark.common.policy.KtoObjective;
import org.alignspark.common.policy.ListRankingObjective;
import org.alignspark.common.policy.PolicyPair;
import org.alignspark.common.policy.RankedList;
import org.alignspark.common.train.Objective;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.executor.ModelRows;
import org.alignspark.warehouse.Warehouse;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.train.Checkpoints;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.cli.TrainerOptions;
import org.alignspark.train.TrainingConfig;
import org.alignspark.train.TrainingMetricsTable;
import java.io.Serializable;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code train-policy}: preference optimization of a policy by parameter averaging, on a table that carries the
 * reference model's log-probs (from {@code ref-logprobs}), so the reference model is never held in training. Losses
 * (docs/spec-objectives.md): the DPO family of §1 as TRL implements it — sigmoid (DPO; cDPO with label smoothing), robust,
 * hinge, IPO, and RPO's NLL term — on pairs; KTO (§2) and BCO (§3, optional density-ratio weights) on binary feedback;
 * list ranking (§5, TPO's list objective) on ranked responses.
 */
@Command(name = "train-policy", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Preference-optimize a policy (DPO family, KTO, BCO, list ranking) by parameter averaging.")
public final class TrainPolicyJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainPolicyJob.class);

    @Option(names = {"--input", "--pairs"}, required = true, description = "ref-logprobs' output: a pair table for the DPO "
            + "family, a binary-feedback table for kto and bco, a ranked-responses table for list-ranking.")
    String inputTable;

    @Option(names = "--dt", required = true, description = "Partition of the input table, YYYY-MM-DD.")
    String dt;

    @Option(names = "--base-model", required = true, description = "HF model folder the policy starts from (usually the reference).")
    String baseModel;

    @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid, robust, hinge, ipo, kto, bco or list-ranking.")
    String loss;

    @Option(names = "--beta", defaultValue = "0.1", description = "β: strength of the KL constraint (τ for IPO; TPO's code uses 0.5 for list-ranking).")
    double beta;

    @Option(names = "--label-smoothing", defaultValue = "0.0", description = "ε of conservative DPO (sigmoid) and robust DPO.")
    double labelSmoothing;

    @Option(names = "--rpo-alpha", defaultValue = "0.0", description = "Weight of RPO's NLL term on chosen (0: none).")
    double rpoAlpha;

    @Option(names = "--desirable-weight", defaultValue = "1.0", description = "KTO: weight w_D of desirable examples.")
    double desirableWeight;

    @Option(names = "--undesirable-weight", defaultValue = "1.0", description = "KTO: weight w_U of undesirable examples.")
    double undesirableWeight;

    @Option(names = "--bco-density-ratio", description = "BCO: weight undesirable examples by the clipped density ratio "
            + "p/(1 − p) of a logistic classifier on prompt embeddings (needs ref-logprobs --prompt-embeddings).")
    boolean bcoDensityRatio;

    @Option(names = "--min-density-ratio", defaultValue = "0.5", description = "BCO: lower clip of the density ratio.")
    double minDensityRatio;

    @Option(names = "--max-density-ratio", defaultValue = "10.0", description = "BCO: upper clip of the density ratio.")
    double maxDensityRatio;

    @Option(names = "--prompt-sample-size", defaultValue = "1024",
            description = "BCO: prompts of each label the density-ratio classifier is fitted on.")
    int promptSampleSize;

    @Option(names = "--ranking-weighting", defaultValue = "uniform",
            description = "list-ranking: uniform (mean over ordered pairs) or lambda (LiPO-λ weights).")
    String rankingWeighting;

    @Option(names = "--max-length", defaultValue = "512", description = "Longest prompt + completion in tokens.")
    int maxLength;

    @Mixin
    WarehouseOption warehouseOption;

    @Mixin
    TrainerOptions trainer;

    @Override
    public Integer call() {
        Warehouse warehouse = warehouseOption.open("alignspark train-policy");
        Dataset<Row> table = warehouse.partition(inputTable, dt);
        switch (loss.toLowerCase(Locale.ROOT)) {
            case "kto" -> {
                JavaRDD<FeedbackExample> examples = feedback(table, List.of("ref_logp", "kl_completion", "ref_logp_kl"), null);
                fit(warehouse, examples, new KtoObjective(new KtoLoss.Config(beta, desirableWeight, undesirableWeight,
                        KtoLoss.Type.KTO), padId()), "kto", null);
            }
            case "bco" -> {
                BcoLoss.Config config = new BcoLoss.Config(beta, minDensityRatio, maxDensityRatio);
                DensityRatioClassifier classifier = bcoDensityRatio ? densityRatioClassifier(table) : null;
                JavaRDD<FeedbackExample> examples = feedback(table,
                        bcoDensityRatio ? List.of("ref_logp", "prompt_embedding") : List.of("ref_logp"), classifier == null ? null
                                : embedding -> classifier.undesirableWeight(embedding, config));
                BcoObjective objective = new BcoObjective(config, padId(), new RunningMoments());
                fit(warehouse, examples, objective, "bco", objective::foldRound);
            }
            case "list-ranking" -> {
                ListRankingLoss.Config config = new ListRankingLoss.Config(beta,
                        ListRankingLoss.Weighting.valueOf(rankingWeighting.toUpperCase(Locale.ROOT)));
                fit(warehouse, lists(table), new ListRankingObjective(config, padId()), "list-ranking/" + rankingWeighting, null);
            }
            default -> {
                DpoLoss.Config config = new DpoLoss.Config(beta, DpoLoss.Type.valueOf(loss.toUpperCase(Locale.ROOT)),
                        labelSmoothing, false, rpoAlpha);
                fit(warehouse, pairs(table), new DpoObjective(config, padId()), "dpo/" + loss, null);
            }
        }
        System.out.println("policy checkpoints under " + trainer.output);
        return 0;
    }

    /** The columns a loss needs, named in the error with the stage that writes them. */
    private void requireColumns(Dataset<Row> table, List<String> needed) {
        List<String> missing = needed.stream().filter(c -> !List.of(table.columns()).contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("table " + inputTable + " lacks column(s) " + String.join(", ", missing)
                    + " that --loss " + loss + " needs; run ref-logprobs on it first (ref-logprobs --input <table> --output "
                    + "<table>_ref" + (missing.contains("prompt_embedding") ? " --prompt-embeddings" : "")
                    + ") and train on its output");
        }
    }

    private JavaRDD<PolicyPair> pairs(Dataset<Row> table) {
        requireColumns(table, List.of("chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected"));
        String base = baseModel;
        return withinMaxLength(train(table).select("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected")
                .javaRDD().mapPartitions(rows -> {
                    ChatEncoder encoder = TrainRmJob.encoder(base);
                    List<PolicyPair> out = new ArrayList<>();
                    while (rows.hasNext()) {
                        Row r = rows.next();
                        List<Message> prompt = ModelRows.messages(r, "prompt");
                        out.add(new PolicyPair(r.getAs("pair_id"), encoder.prompt(prompt), encoder.completion(prompt, r.getAs("chosen")),
                                encoder.completion(prompt, r.getAs("rejected")), r.getAs("ref_logp_chosen"), r.getAs("ref_logp_rejected")));
                    }
                    return out.iterator();
                }), p -> p.prompt().length + Math.max(p.chosen().length, p.rejected().length), "pairs");
    }

    /** BCO's undesirable-example weight from a prompt embedding. */
    interface DensityRatioWeight extends Serializable {
        double of(double[] embedding);
    }

    private JavaRDD<FeedbackExample> feedback(Dataset<Row> table, List<String> referenceColumns, DensityRatioWeight weight) {
        List<String> needed = new ArrayList<>(List.of("example_id", "prompt", "completion", "label"));
        needed.addAll(referenceColumns);
        requireColumns(table, needed);
        boolean kl = referenceColumns.contains("kl_completion");
        String base = baseModel;
        return withinMaxLength(train(table).select(needed.stream().map(c -> col(c)).toArray(org.apache.spark.sql.Column[]::new))
                .javaRDD().mapPartitions(rows -> {
                    ChatEncoder encoder = TrainRmJob.encoder(base);
                    List<FeedbackExample> out = new ArrayList<>();
                    while (rows.hasNext()) {
                        Row r = rows.next();
                        List<Message> prompt = ModelRows.messages(r, "prompt");
                        boolean desirable = r.getAs("label");
                        double w = weight == null || desirable ? 1.0 : weight.of(embedding(r));
                        out.add(new FeedbackExample(r.getAs("example_id"), encoder.prompt(prompt), encoder.completion(prompt, r.getAs("completion")),
                                desirable, r.getAs("ref_logp"), kl ? encoder.completion(prompt, r.getAs("kl_completion")) : new int[0],
                                kl ? r.getAs("ref_logp_kl") : Double.NaN, w));
                    }
                    return out.iterator();
                }), e -> e.prompt().length + Math.max(e.completion().length, e.klCompletion().length), "examples");
    }

    private static double[] embedding(Row r) {
        List<Double> values = r.getList(r.fieldIndex("prompt_embedding"));
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * BCO's UDM classifier (TRL fits it once at init): logistic regression on the stored prompt embeddings of up to
     * --prompt-sample-size training examples of each label, drawn by a seeded hash of the example id.
     */
    private DensityRatioClassifier densityRatioClassifier(Dataset<Row> table) {
        requireColumns(table, List.of("example_id", "label", "prompt_embedding"));
        double[][][] byLabel = new double[2][][];
        for (int label = 0; label < 2; label++) {
            byLabel[label] = train(table).filter(col("label").equalTo(label == 1))
                    .orderBy(xxhash64(lit(trainer.seed), col("example_id"))).limit(promptSampleSize)
                    .select("prompt_embedding").collectAsList().stream().map(TrainPolicyJob::embedding).toArray(double[][]::new);
        }
        DensityRatioClassifier classifier = DensityRatioClassifier.fit(byLabel[1], byLabel[0]);
        for (int label = 0; label < 2; label++) {
            boolean desirable = label == 1;
            long right = java.util.Arrays.stream(byLabel[label])
                    .filter(x -> classifier.probabilityDesirable(x) > 0.5 == desirable).count();
            LOG.info("density-ratio classifier: {} of {} {} prompts classified right", right, byLabel[label].length,
                    desirable ? "desirable" : "undesirable");
        }
        return classifier;
    }

    private JavaRDD<RankedList> lists(Dataset<Row> table) {
        requireColumns(table, List.of("list_id", "prompt", "responses", "ref_logps"));
        String base = baseModel;
        JavaRDD<RankedList> all = withinMaxLength(train(table).select("list_id", "prompt", "responses", "ref_logps").javaRDD()
                .mapPartitions(rows -> {
                    ChatEncoder encoder = TrainRmJob.encoder(base);
                    List<RankedList> out = new ArrayList<>();
                    while (rows.hasNext()) {
                        Row r = rows.next();
                        List<Message> prompt = ModelRows.messages(r, "prompt");
                        List<Row> responses = r.getList(r.fieldIndex("responses"));
                        int[][] tokens = new int[responses.size()][];
                        double[] labels = preferenceLabels(r.getAs("list_id"), responses);
                        for (int k = 0; k < tokens.length; k++) {
                            tokens[k] = encoder.completion(prompt, responses.get(k).getAs("text"));
                        }
                        double[] ref = r.<Double>getList(r.fieldIndex("ref_logps")).stream().mapToDouble(Double::doubleValue).toArray();
                        out.add(new RankedList(r.getAs("list_id"), encoder.prompt(prompt), tokens, labels, ref));
                    }
                    return out.iterator();
                }), l -> l.prompt().length + java.util.Arrays.stream(l.responses()).mapToInt(x -> x.length).max().orElse(0), "lists");
        JavaRDD<RankedList> ranked = all.filter(RankedList::hasOrderedPair);
        long flat = all.count() - ranked.count();
        if (flat > 0) {
            LOG.warn("{} lists whose responses all share one score are left out: they hold no ordered pair", flat);
        }
        return ranked;
    }

    /** ψ per response: the scores where every response has one, else the negated ranks (1 is best); else an error. */
    static double[] preferenceLabels(String listId, List<Row> responses) {
        double[] labels = new double[responses.size()];
        boolean scores = responses.stream().allMatch(x -> x.getAs("score") != null);
        boolean ranks = responses.stream().allMatch(x -> x.getAs("rank") != null);
        if (!scores && !ranks) {
            throw new IllegalArgumentException("list " + listId + " has responses without a score or a rank; "
                    + "list-ranking needs every response scored or ranked");
        }
        for (int k = 0; k < labels.length; k++) {
            labels[k] = scores ? responses.get(k).<Double>getAs("score") : -responses.get(k).<Integer>getAs("rank");
        }
        return labels;
    }

    private static Dataset<Row> train(Dataset<Row> table) {
        return table.filter(col("split").equalTo("train"));
    }

    /** Drops the examples longer than --max-length, saying how many. */
    private <E> JavaRDD<E> withinMaxLength(JavaRDD<E> all, org.apache.spark.api.java.function.Function<E, Integer> length, String what) {
        int limit = maxLength;
        all.persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<E> kept = all.filter(e -> length.call(e) <= limit);
        long total = all.count();
        long examples = kept.count();
        if (examples < total) {
            LOG.warn("{} of {} {} are longer than --max-length {} and are left out", total - examples, total, what, maxLength);
        }
        return kept;
    }

    private int padId() {
        return TrainRmJob.tokenizer(baseModel).padId();
    }

    private <E extends Serializable> void fit(Warehouse warehouse, JavaRDD<E> examples, Objective<E, LanguageModel> objective,
                                              String objectiveName, java.util.function.BiConsumer<Long, java.util.Map<String, Double>> afterRound) {
        SparkSession spark = warehouse.spark();
        long n = examples.count();
        LOG.info("train-policy: {} examples, loss {} (β = {})", n, loss, beta);
        TrainingConfig config = trainer.config(dt, n);
        String base = baseModel;
        CausalLM initial = HfCheckpoint.load(ModelFolder.of(base), DataType.FLOAT);
        TrainingMetricsTable metrics = new TrainingMetricsTable(spark, warehouse, objectiveName, dt);
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

            /** A resumed run first replays the checkpointed rounds (BCO: its running δ), exactly the rounds its parameters saw. */
            @Override
            public void onResume(org.alignspark.train.TrainerState checkpointed) {
                checkpointed.logHistory().stream().filter(round -> round.round() <= checkpointed.round())
                        .forEach(round -> afterRound.accept(round.examples(), round.metrics()));
                metrics.onResume(checkpointed);
            }
        };
        ParameterAveraging<E, LanguageModel> engine = new ParameterAveraging<>(spark, config,
                () -> new LanguageModel(new CausalLM(HfCheckpoint.readConfig(ModelFolder.of(base), DataType.FLOAT))),
                objective, Checkpoints.ModelWriter.causalLm(initial, base), listener);
        engine.fit(examples, TensorBundle.of(initial.parameters().values()));
    }
}
