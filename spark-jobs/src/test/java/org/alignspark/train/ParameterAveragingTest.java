package org.alignspark.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.common.train.WorkerAssignment;
import org.alignspark.testing.TestSpark;
import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Row;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParameterAveragingTest {
    private static final int FEATURES = 3;
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** Linearly separable points: label = [x0 + 0.5 x1 - x2 > 0.1]. */
    private static List<LogisticModel.Example> data(int n, long seed) {
        Random random = new Random(seed);
        List<LogisticModel.Example> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            int label = x[0] + 0.5 * x[1] - x[2] > 0.1 ? 1 : 0;
            examples.add(new LogisticModel.Example("ex-" + i, x, label));
        }
        return examples;
    }

    private static TensorBundle zeros() {
        return TensorBundle.of(new LogisticModel(FEATURES, DataType.DOUBLE).parameters());
    }

    private ParameterAveraging<LogisticModel.Example, LogisticModel> trainer(TrainingConfig config, DataType dataType) {
        return trainer(config, dataType, m -> { });
    }

    private ParameterAveraging<LogisticModel.Example, LogisticModel> trainer(TrainingConfig config, DataType dataType,
                                                                            ParameterAveraging.RoundListener listener) {
        return new ParameterAveraging<>(spark, config, () -> new LogisticModel(FEATURES, dataType), new LogisticModel.Loss(),
                (parameters, fs, folder) -> Checkpoints.writeTensors(parameters, fs, new org.apache.hadoop.fs.Path(folder, Checkpoints.MODEL_FILE)), listener);
    }

    private TrainingConfig config(String run, Path output, int workers, int batch, int frequency, int epochs,
                                  OptimizerConfig optimizer, int checkpointEvery, int crashAfter) {
        return new TrainingConfig(run, output.toString(), workers, epochs, batch, frequency, checkpointEvery, 11L, optimizer,
                "2026-11-27", crashAfter);
    }

    @Test
    void averagingEveryStepWithSgdEqualsOneWorkerOnTheUnionOfTheMinibatches() {
        List<LogisticModel.Example> examples = data(36, 1);
        int workers = 3;
        int batch = 4;
        int epochs = 2;
        double learningRate = 0.5;
        TrainingConfig config = config("equivalence", tmp.resolve("eq"), workers, batch, 1, epochs,
                OptimizerConfig.sgd(learningRate), 0, 0);
        TensorBundle distributed = trainer(config, DataType.DOUBLE).fit(jsc.parallelize(examples, 2), zeros());

        // The same data order, trained by one model taking one SGD step per round on all workers' minibatches together.
        LogisticModel single = new LogisticModel(FEATURES, DataType.DOUBLE);
        Optimizer sgd = new Optimizer(OptimizerConfig.sgd(learningRate), single);
        LogisticModel.Loss loss = new LogisticModel.Loss();
        long[] tokens = examples.stream().mapToLong(loss::tokens).toArray();
        int iteration = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            WorkerAssignment assignment = WorkerAssignment.deal(tokens, workers, 11L, epoch);
            for (int round = 0; round < assignment.rounds(batch); round++) {
                List<LogisticModel.Example> union = new ArrayList<>();
                for (int i = 0; i < examples.size(); i++) {
                    int position = assignment.position(i);
                    if (position >= round * batch && position < (round + 1) * batch) {
                        union.add(examples.get(i));
                    }
                }
                assertEquals(workers * batch, union.size());
                single.zeroGradients();
                loss.lossAndGradients(single, union);
                sgd.step(iteration++, epoch);
            }
        }
        double difference = distributed.maxAbsDifference(TensorBundle.of(single.parameters()));
        assertTrue(difference < 1e-12, "distributed and single-worker parameters differ by " + difference);
        assertTrue(Math.abs(distributed.values(0)[0]) > 0.1, "training moved the parameters");
    }

    @Test
    void resumedRunEndsWithinToleranceOfAnUninterruptedOne() {
        List<LogisticModel.Example> examples = data(64, 2);
        OptimizerConfig adamW = OptimizerConfig.adamW(new LearningRateSchedule(0.1, 2, 16, LearningRateSchedule.Shape.COSINE), 0.01, 1.0);
        TensorBundle uninterrupted = trainer(config("straight", tmp.resolve("straight"), 2, 4, 2, 2, adamW, 2, 0), DataType.FLOAT)
                .fit(jsc.parallelize(examples, 2), zeros());

        Path output = tmp.resolve("crashing");
        Warehouse warehouse = new Warehouse(spark, tmp.resolve("warehouse").toString());
        TrainingMetricsTable metrics = new TrainingMetricsTable(spark, warehouse, "logistic", "2026-11-27");
        assertThrows(IllegalStateException.class, () -> trainer(config("crashing", output, 2, 4, 2, 2, adamW, 2, 3), DataType.FLOAT,
                metrics).fit(jsc.parallelize(examples, 2), zeros()));
        assertTrue(Files.isDirectory(output.resolve("checkpoint-000002")));
        assertFalse(Files.exists(output.resolve("checkpoint-000003")));
        TensorBundle resumed = trainer(config("crashing", output, 2, 4, 2, 2, adamW, 2, 0), DataType.FLOAT,
                new TrainingMetricsTable(spark, warehouse, "logistic", "2026-11-27")).fit(jsc.parallelize(examples, 2), zeros());

        double difference = resumed.maxAbsDifference(uninterrupted);
        assertTrue(difference <= 1e-5, "resumed run differs by " + difference);
        assertTrue(Files.exists(output.resolve("checkpoint-000008").resolve(Checkpoints.STATE_FILE)));
        // Each round's metrics once, though rounds 3 and after ran twice.
        List<Row> rounds = spark.sql("SELECT round, count(*) FROM training_metrics WHERE run_id = 'crashing' GROUP BY round ORDER BY round")
                .collectAsList();
        assertEquals(8, rounds.size());
        rounds.forEach(r -> assertEquals(1L, r.getLong(1), r.toString()));
        Row last = spark.sql("SELECT examples, metrics['accuracy'] FROM training_metrics WHERE run_id = 'crashing' AND round = 8").first();
        assertEquals(16L, last.getLong(0));
        assertTrue(last.getDouble(1) > 0.5, last.toString());
    }

    @Test
    void roundsInACheckpointButNotYetInTheMetricsTableAreWrittenWhenTheRunResumes() {
        List<LogisticModel.Example> examples = data(64, 2);
        OptimizerConfig adamW = OptimizerConfig.adamW(new LearningRateSchedule(0.1, 2, 16, LearningRateSchedule.Shape.COSINE), 0.01, 1.0);
        Path output = tmp.resolve("lost");
        Warehouse warehouse = new Warehouse(spark, tmp.resolve("warehouse-lost").toString());
        TrainingMetricsTable metrics = new TrainingMetricsTable(spark, warehouse, "logistic", "2026-11-27");
        // The driver dies after checkpoint-000004 is in place, before its rounds reach the table.
        ParameterAveraging.RoundListener dying = new ParameterAveraging.RoundListener() {
            @Override
            public void onRound(ParameterAveraging.RoundMetrics round) {
                metrics.onRound(round);
            }

            @Override
            public void onCheckpoint(int round) {
                if (round == 4) {
                    throw new IllegalStateException("driver lost after checkpoint 4");
                }
                metrics.onCheckpoint(round);
            }
        };
        assertThrows(IllegalStateException.class, () -> trainer(config("lost", output, 2, 4, 2, 2, adamW, 2, 0), DataType.FLOAT, dying)
                .fit(jsc.parallelize(examples, 2), zeros()));
        assertTrue(Files.isDirectory(output.resolve("checkpoint-000004")));
        assertEquals(2L, warehouse.partition(TrainingMetricsTable.TABLE, "2026-11-27").count());

        trainer(config("lost", output, 2, 4, 2, 2, adamW, 2, 0), DataType.FLOAT,
                new TrainingMetricsTable(spark, warehouse, "logistic", "2026-11-27")).fit(jsc.parallelize(examples, 2), zeros());
        List<Row> rounds = warehouse.partition(TrainingMetricsTable.TABLE, "2026-11-27").groupBy("round").count().orderBy("round").collectAsList();
        assertEquals(8, rounds.size(), rounds.toString());
        rounds.forEach(r -> assertEquals(1L, r.getLong(1), r.toString()));
    }

    @Test
    void nonFiniteLossStopsTheRunNamingRoundPartitionAndExamples() {
        List<LogisticModel.Example> examples = new ArrayList<>(data(16, 3));
        examples.set(9, new LogisticModel.Example("poison-9", examples.get(9).x(), 1));
        Path output = tmp.resolve("nan");
        ParameterAveraging.NonFiniteException error = assertThrows(ParameterAveraging.NonFiniteException.class,
                () -> trainer(config("nan", output, 2, 2, 1, 1, OptimizerConfig.sgd(0.1), 1, 0), DataType.DOUBLE)
                        .fit(jsc.parallelize(examples, 2), zeros()));
        assertTrue(error.getMessage().contains("poison-9"), error.getMessage());
        assertTrue(error.getMessage().contains("non-finite loss") && error.getMessage().contains("partition"), error.getMessage());
        int failedRound = Integer.parseInt(error.getMessage().replaceAll(".*round (\\d+) of the epoch.*", "$1"));
        for (int round = failedRound; round <= 4; round++) {
            assertFalse(Files.exists(output.resolve(String.format("checkpoint-%06d", round))), "checkpoint of round " + round);
        }
    }

    @Test
    void averagedTrainingLearnsASeparableProblem() {
        List<LogisticModel.Example> train = data(400, 4);
        OptimizerConfig adam = OptimizerConfig.adamW(new LearningRateSchedule(0.05, 5, 100, LearningRateSchedule.Shape.LINEAR), 0.0, 0);
        TensorBundle fitted = trainer(config("learns", tmp.resolve("learns"), 2, 8, 5, 4, adam, 0, 0), DataType.FLOAT)
                .fit(jsc.parallelize(train, 2), zeros());
        LogisticModel model = new LogisticModel(FEATURES, DataType.DOUBLE);
        fitted.copyInto(model.parameters());
        long correct = data(200, 5).stream().filter(e -> (model.logit(e.x()) > 0) == (e.label() == 1)).count();
        assertTrue(correct >= 190, "held-out accuracy " + correct + "/200");
    }
}
