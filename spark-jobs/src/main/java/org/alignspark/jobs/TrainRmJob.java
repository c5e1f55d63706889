package org.alignspark.jobs;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.alignspark.cli.GradientCheckpointingOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.LoraOptions;
import org.alignspark.cli.ModelOption;
import org.alignspark.cli.TokenLimitOption;
import org.alignspark.cli.TrainerOptions;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.objectives.BradleyTerryLoss;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.rm.PairwiseRewardObjective;
import org.alignspark.common.rm.RatedSequence;
import org.alignspark.common.rm.RegressionRewardObjective;
import org.alignspark.common.rm.RewardLayout;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.rm.RewardPair;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.Objective;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.ExampleTable;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.train.TrainingConfig;
import org.alignspark.train.TrainingMetricsTable;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;


/**
 * {@code train-rm}: a reward model — the base LM plus a scalar head on its last hidden state — trained on the train
 * split of a pair table with a Bradley–Terry loss (docs/spec-objectives.md §7, docs/spec-data-side.md §5a), by parameter averaging.
 * Pairs longer than {@code --max-length} tokens are left out and recorded in {@code train_rm_quarantine}. The layout
 * the model reads ({@code --template}) is saved with each checkpoint, and eval-rm and eval-policy read it from there;
 * {@code --head-only} trains the head on the base model's frozen features; {@code --lora-r} trains LoRA adapters on the
 * LM (Hu et al. 2021) and the whole head, as PEFT trains a SEQ_CLS model with the head among its {@code modules_to_save}:
 * each executor loads the base once and shares it read-only among its tasks, averaging moves the adapters and the head
 * only, and checkpoints are PEFT adapter folders that every reward-model reader loads on their base.
 */
@Command(name = "train-rm", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train a reward model on preference pairs (Bradley-Terry, margin or scaled BT) by parameter averaging.")
public final class TrainRmJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainRmJob.class);

    @Option(names = "--pairs", description = "PreferencePair table for the Bradley-Terry losses; its train split is used.")
    String pairsTable;

    @Option(names = "--ratings", description = "RatedResponse table for --loss regression; its train split is used.")
    String ratingsTable;

    @Option(names = "--attributes", split = ",", defaultValue = "helpfulness",
            description = "Ratings a regression head predicts, in order (one output each).")
    List<String> attributes;

    @Option(names = "--init-reward-model", description = "Start from this reward model folder instead (e.g. a regression RM).")
    String initRewardModel;

    @Option(names = "--loss", defaultValue = "bt", description = "bt: -log σ(r_c − r_r); margin-bt: -log σ(r_c − r_r − m); "
            + "scaled-bt: -m·log σ(r_c − r_r); regression: MSE of a head per --attributes on --ratings.")
    String loss;

    @Option(names = "--center-rewards-coefficient", defaultValue = "0.0", description = "TRL's coefficient on mean((r_c + r_r)²).")
    double centerRewardsCoefficient;

    @Option(names = "--default-margin", defaultValue = "1.0", description = "Margin of pairs that have none (margin and scaled losses).")
    double defaultMargin;

    @Option(names = "--template", description = "Layout the reward model reads, saved with it for eval-rm and eval-policy. standard: "
            + "user x / assistant y, reward at the end of y's turn. role-swapped (for a base model that is an FLR scorer fine-tuned "
            + "on feedback): user <feedback request> / assistant x / user y, reward where the assistant's feedback would begin. "
            + "Default: --init-reward-model's layout, else standard.")
    String template;

    @Option(names = "--head-only", arity = "0..1", fallbackValue = "true",
            description = "Train the head alone on the base model's frozen features (the linear probe of LP-FT, Kumar et al. 2022): "
                    + "on few prompts, full fine-tuning bends the features to them.")
    boolean headOnly;

    @Option(names = "--feedback-request", defaultValue = FollowUpLikelihoodReward.FEEDBACK_REQUEST,
            description = "Opening user turn of the role-swapped layout; use the one the scorer was fine-tuned with.")
    String feedbackRequest;

    @Mixin JobOptions job;
    @Mixin ModelOption model;
    @Mixin TokenLimitOption limit;
    @Mixin TrainerOptions trainer;
    @Mixin LoraOptions loraOptions;
    @Mixin GradientCheckpointingOption checkpointing;

    @Override
    public Integer call() {
        boolean regression = loss.equals("regression");
        LoraConfig lora = loraOptions.config().orElse(null);
        require(lora == null || !headOnly, "--head-only trains the head alone; with --lora-r the adapters train too: choose one");
        require(initRewardModel == null || !AdapterCheckpoint.isAdapter(initRewardModel), "--init-reward-model "
                + initRewardModel + " is a LoRA adapter folder; merge it into its base first (merge-adapter)");
        require(regression ? ratingsTable != null : pairsTable != null,
                regression ? "--loss regression needs --ratings" : "--loss " + loss + " needs --pairs");
        String dt = job.dt();
        Warehouse warehouse = job.open();
        // --template's layout, or the one --init-reward-model was trained in (a head only means something in its own layout)
        RewardLayout layout = RewardModelFolder.layout(initRewardModel, template == null ? null : RewardLayout.of(template, feedbackRequest));
        String run = trainer.config(dt, 0).runId();
        int padId = ExecutorModels.encoder(model.baseModel()).tokenizer().padId();
        if (regression) {
            List<String> names = List.copyOf(attributes);
            Dataset<Row> rows = warehouse.partition(ratingsTable, dt, "train").select("rating_id", "prompt", "response", "ratings");
            ExampleTable<RatedSequence> rated = ExampleTable.of(warehouse, "train-rm", run, dt, rows, "rating_id", model.baseModel(),
                    limit.maxLength(), (encoder, row) -> {
                        Map<String, Double> ratings = row.getJavaMap(row.fieldIndex("ratings"));
                        double[] targets = new double[names.size()];
                        for (int k = 0; k < targets.length; k++) {
                            Double value = ratings.get(names.get(k));
                            if (value == null) {
                                throw new ExampleTable.Rejected("no " + names.get(k) + " rating");
                            }
                            targets[k] = value;
                        }
                        return new RatedSequence(row.getAs("rating_id"),
                                layout.encode(encoder, ModelRows.messages(row, "prompt"), row.getAs("response")), targets);
                    }, r -> r.tokens().length);
            fit(warehouse, layout, rated, names.size(), new RegressionRewardObjective(padId), lora);
        } else {
            BradleyTerryLoss.Config lossConfig = new BradleyTerryLoss.Config(BradleyTerryLoss.Form.parse(loss), centerRewardsCoefficient);
            double margin = defaultMargin;
            Dataset<Row> rows = warehouse.partition(pairsTable, dt, "train").select("pair_id", "prompt", "chosen", "rejected", "margin");
            ExampleTable<RewardPair> pairs = ExampleTable.of(warehouse, "train-rm", run, dt, rows, "pair_id", model.baseModel(),
                    limit.maxLength(), (encoder, row) -> {
                        List<Message> prompt = ModelRows.messages(row, "prompt");
                        return new RewardPair(row.getAs("pair_id"), layout.encode(encoder, prompt, row.getAs("chosen")),
                                layout.encode(encoder, prompt, row.getAs("rejected")),
                                row.isNullAt(row.fieldIndex("margin")) ? margin : row.<Double>getAs("margin"));
                    }, p -> Math.max(p.chosen().length, p.rejected().length));
            fit(warehouse, layout, pairs, 1, new PairwiseRewardObjective(lossConfig, padId), lora);
        }
        return 0;
    }

    private <E extends Serializable> void fit(Warehouse warehouse, RewardLayout layout, ExampleTable<E> examples, int outputs,
                                              Objective<E, RewardModel> objective, LoraConfig lora) {
        SparkSession spark = warehouse.spark();
        long count = examples.count();
        String dt = job.dt();
        String base = model.baseModel();
        TrainingConfig config = trainer.config(dt, count);
        RewardModel initial = initialModel(outputs, lora);
        long hidden = initial.lm().config().dModel();
        boolean frozen = headOnly;
        String frozenLm = initRewardModel != null ? initRewardModel : base;   // a reward model folder loads as its LM
        long seed = trainer.seed;
        boolean recompute = checkpointing.on();
        // Workers receive the trained parameters from the driver: all of them, the head alone over an LM they load, or the
        // adapters and the head over the base each executor loads once (the adapters' A comes from the driver too).
        ParameterAveraging.ModelFactory<RewardModel> workers;
        if (lora != null) {
            workers = () -> new RewardModel(ExecutorModels.trainableAdapters(frozenLm, lora, seed).setGradientCheckpointing(recompute),
                    Nd4j.zeros(DataType.FLOAT, outputs, hidden));
        } else if (frozen) {
            workers = () -> new RewardModel(ExecutorModels.replica(frozenLm), Nd4j.zeros(DataType.FLOAT, outputs, hidden), true);
        } else {
            workers = () -> new RewardModel(new CausalLM(HfCheckpoint.readConfig(ModelFolder.of(base), DataType.FLOAT))
                    .setGradientCheckpointing(recompute), Nd4j.zeros(DataType.FLOAT, outputs, hidden));
        }
        ParameterAveraging<E, RewardModel> engine = new ParameterAveraging<>(spark, config, workers, objective,
                (parameters, fs, folder) -> {
                    parameters.copyInto(initial.parameters());
                    ModelFolder target = ModelFolder.of(folder.toString());
                    if (lora != null) {
                        RewardModelFolder.saveAdapter(initial, layout, frozenLm, ModelFolder.of(base), target);
                    } else {
                        RewardModelFolder.save(initial, layout, ModelFolder.of(base), target);
                    }
                },
                new TrainingMetricsTable(spark, warehouse, "reward/" + loss, dt));
        LOG.info("train-rm: {} training examples, loss {}, {} head output(s), {} layout{}", count, loss, outputs, layout.name(),
                headOnly ? ", head only" : lora != null ? ", " + loraOptions + " and the whole head on " + frozenLm : "");
        engine.fit(examples.examples(), TensorBundle.of(initial.parameters()));
        examples.release();
        System.out.println("reward model checkpoints under " + trainer.output);
    }

    /**
     * The base LM with a new head, or an existing reward model (e.g. a helpfulness regression RM to start BT from); with
     * LoRA, that LM loaded frozen with fresh adapters (B = 0, so the run starts from the same rewards).
     */
    private RewardModel initialModel(int outputs, LoraConfig lora) {
        if (initRewardModel != null) {
            RewardModel model = RewardModelFolder.load(initRewardModel, DataType.FLOAT);
            require(model.outputs() == outputs, initRewardModel + " has " + model.outputs() + " outputs; this run needs " + outputs);
            if (lora != null) {
                CausalLM frozenBase = HfCheckpoint.load(ModelFolder.of(initRewardModel), DataType.FLOAT, true);
                return new RewardModel(frozenBase.withLora(lora, trainer.seed), model.head());
            }
            return new RewardModel(model.lm(), model.head(), headOnly);
        }
        CausalLM lm = lora != null
                ? HfCheckpoint.load(ModelFolder.of(model.baseModel()), DataType.FLOAT, true).withLora(lora, trainer.seed)
                : HfCheckpoint.load(ModelFolder.of(model.baseModel()), DataType.FLOAT);
        return new RewardModel(lm, RewardModel.initialHead(outputs, lm.config().dModel(), DataType.FLOAT, trainer.seed), headOnly);
    }
}
