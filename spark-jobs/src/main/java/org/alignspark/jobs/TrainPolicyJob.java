package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.policy.DpoObjective;
import org.alignspark.common.policy.PolicyPair;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.spark.ModelRows;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
import org.alignspark.train.Checkpoints;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.train.TrainerOptions;
import org.alignspark.train.TrainingConfig;
import org.alignspark.train.TrainingMetricsTable;
import org.apache.spark.api.java.JavaRDD;
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

/**
 * {@code train-policy}: direct preference optimization of a policy on a pair table that carries the reference
 * model's log-probs (from {@code ref-logprobs}), by parameter averaging. Losses: the DPO family of spec-objectives §1
 * as TRL implements it — sigmoid (DPO; cDPO with label smoothing), robust, hinge, IPO, and RPO's NLL term.
 */
@Command(name = "train-policy", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Preference-optimize a policy (DPO, cDPO, robust DPO, hinge, IPO, RPO) by parameter averaging.")
public final class TrainPolicyJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainPolicyJob.class);

    @Option(names = "--pairs", required = true, description = "Pair table with ref_logp_chosen / ref_logp_rejected (ref-logprobs' output).")
    String pairsTable;

    @Option(names = "--dt", required = true, description = "Partition of the pair table, YYYY-MM-DD.")
    String dt;

    @Option(names = "--base-model", required = true, description = "HF model folder the policy starts from (usually the reference).")
    String baseModel;

    @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid, robust, hinge or ipo.")
    String loss;

    @Option(names = "--beta", defaultValue = "0.1", description = "β: strength of the KL constraint (τ for IPO).")
    double beta;

    @Option(names = "--label-smoothing", defaultValue = "0.0", description = "ε of conservative DPO (sigmoid) and robust DPO.")
    double labelSmoothing;

    @Option(names = "--rpo-alpha", defaultValue = "0.0", description = "Weight of RPO's NLL term on chosen (0: none).")
    double rpoAlpha;

    @Option(names = "--max-length", defaultValue = "512", description = "Longest prompt + completion in tokens.")
    int maxLength;

    @Mixin
    WarehouseOption warehouseOption;

    @Mixin
    TrainerOptions trainer;

    @Override
    public Integer call() {
        DpoLoss.Config lossConfig = new DpoLoss.Config(beta, DpoLoss.Type.valueOf(loss.toUpperCase(Locale.ROOT)), labelSmoothing,
                false, rpoAlpha);
        Warehouse warehouse = warehouseOption.open("alignspark train-policy");
        SparkSession spark = warehouse.spark();
        String base = baseModel;
        int limit = maxLength;
        JavaRDD<PolicyPair> all = warehouse.partition(pairsTable, dt).filter(col("split").equalTo("train"))
                .select("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected")
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
                }).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<PolicyPair> pairs = all.filter(p -> p.prompt().length + Math.max(p.chosen().length, p.rejected().length) <= limit);
        long total = all.count();
        long examples = pairs.count();
        if (examples < total) {
            LOG.warn("{} of {} pairs are longer than --max-length {} and are left out", total - examples, total, maxLength);
        }
        LOG.info("train-policy: {} pairs, loss {} (β = {})", examples, loss, beta);

        TrainingConfig config = trainer.config(dt, examples);
        CausalLM initial = HfCheckpoint.load(ModelFolder.of(base), DataType.FLOAT);
        int padId = TrainRmJob.tokenizer(base).padId();
        ParameterAveraging<PolicyPair, LanguageModel> engine = new ParameterAveraging<>(spark, config,
                () -> new LanguageModel(new CausalLM(HfCheckpoint.readConfig(ModelFolder.of(base), DataType.FLOAT))),
                new DpoObjective(lossConfig, padId),
                Checkpoints.ModelWriter.causalLm(initial, base),
                new TrainingMetricsTable(spark, warehouse, "dpo/" + loss, dt));
        engine.fit(pairs, TensorBundle.of(initial.parameters().values()));
        all.unpersist();
        System.out.println("policy checkpoints under " + trainer.output);
        return 0;
    }
}
