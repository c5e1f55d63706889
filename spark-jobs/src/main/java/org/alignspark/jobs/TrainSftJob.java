package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.TrainingMemoryOptions;
import org.alignspark.cli.LoraOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.TokenLimitOption;
import org.alignspark.cli.TrainerOptions;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.models.InitialModel;
import org.alignspark.common.sft.CompletionOnlyLoss;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.sft.SftExample;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.ExampleTable;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.train.TrainedModel;
import org.alignspark.train.TrainingConfig;
import org.alignspark.train.TrainingMetricsTable;
import org.alignspark.warehouse.Warehouse;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.col;

/**
 * {@code train-sft}: supervised fine-tuning — next-token loss on completion tokens only — by parameter averaging.
 * Examples come from a PreferencePair table (prompt → chosen), a BinaryFeedback table (prompt → completion, label
 * true only) or a Dialogue table (earlier turns → the last assistant turn). The model is an existing HF folder, or (with {@code --from-scratch}) a new model, byte-level or with a given tokenizer.
 */
@Command(name = "train-sft", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Supervised fine-tuning (completion-only next-token loss) by parameter averaging.")
public final class TrainSftJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainSftJob.class);

    @Option(names = "--data", required = true,
            description = "PreferencePair (chosen is the target), BinaryFeedback (label true) or Dialogue (last assistant turn) table.")
    String dataTable;

    @Option(names = "--from-scratch", description = "Train a new model of this family instead: gpt2 or llama.")
    String fromScratch;

    @Option(names = "--tokenizer", description = "With --from-scratch: folder of the tokenizer the new model uses (default: byte-level).")
    String tokenizer;

    @Option(names = "--d-model", defaultValue = "64", description = "Hidden size of a model trained from scratch.")
    int dModel;

    @Option(names = "--layers", defaultValue = "2", description = "Layers of a model trained from scratch.")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads of a model trained from scratch.")
    int heads;

    @Option(names = "--max-positions", defaultValue = "512", description = "Context length of a model trained from scratch.")
    int maxPositions;

    @Option(names = "--base-model", description = "HF model folder to fine-tune.")
    String baseModel;

    @Mixin JobOptions job;
    @Mixin SplitOption split = new SplitOption("train");
    @Mixin TokenLimitOption limit;
    @Mixin TrainerOptions trainer;
    @Mixin LoraOptions lora;
    @Mixin TrainingMemoryOptions memory;

    @Override
    public Integer call() {
        require((baseModel == null) != (fromScratch == null), "give exactly one of --base-model and --from-scratch");
        require(tokenizer == null || fromScratch != null, "--tokenizer is for a model trained --from-scratch; a --base-model has its own");
        Warehouse warehouse = job.open();
        SparkSession spark = warehouse.spark();
        String base = baseModel != null ? baseModel : initialFolder();

        String dt = job.dt();
        Dataset<Row> table = warehouse.partition(dataTable, dt, split.split());
        List<String> columns = List.of(table.columns());
        Dataset<Row> rows;
        if (columns.contains("chosen")) {
            rows = table.select(col("pair_id").as("id"), col("prompt"), col("chosen").as("target"));
        } else if (columns.contains("completion") && columns.contains("label")) {
            rows = table.filter(col("label")).select(col("example_id").as("id"), col("prompt"), col("completion").as("target"));
        } else if (columns.contains("dialogue_id")) {
            rows = table.select(col("dialogue_id").as("id"), col("prompt"), col("completion").as("target"));
        } else {
            throw new IllegalArgumentException("table " + dataTable + " is not a pair, feedback or dialogue table");
        }
        TrainingConfig config = trainer.config(dt, 0);
        ExampleTable<SftExample> examples = ExampleTable.of(warehouse, "train-sft", config.runId(), dt, rows, "id", base,
                limit.maxLength(), (encoder, row) -> {
                    List<Message> prompt = ModelRows.messages(row, "prompt");
                    return new SftExample(row.getAs("id"), encoder.prompt(prompt), encoder.completion(prompt, row.getAs("target")));
                }, e -> e.prompt().length + e.completion().length);
        LOG.info("train-sft: {} examples from {} (dt={}, split {}), model {}", examples.count(), dataTable, dt, split.split(), base);

        TrainedModel trained = new TrainedModel(base, lora.config(), trainer.seed, memory.settings());
        LOG.info("train-sft: training {}", trained);
        CausalLM initial = trained.initial();
        ParameterAveraging<SftExample, LanguageModel> engine = new ParameterAveraging<>(spark, trainer.config(dt, examples.count()),
                trained.workers(),
                new CompletionOnlyLoss(ExecutorModels.encoder(base).tokenizer().padId()),
                trained.writer(initial),
                new TrainingMetricsTable(spark, warehouse, "sft", dt));
        engine.fit(examples.examples(), TensorBundle.of(initial.parameters().values()));
        examples.release();
        System.out.println("model checkpoints under " + trainer.output);
        return 0;
    }

    /** Writes a freshly initialised model into {@code <output>/initial} (once) and returns that folder. */
    private String initialFolder() {
        String location = new Path(trainer.output, "initial").toString();
        if (!InitialModel.exists(location)) {
            InitialModel.write(location, fromScratch, dModel, layers, heads, maxPositions, trainer.seed, tokenizer);
        }
        return location;
    }
}
