package org.alignspark.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.common.train.WorkerAssignment;
import org.alignspark.testing.TestSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --sync-warmup-steps}: post-local SGD (Lin et al., ICLR 2020, §3): the workers average after every step for the
 * first N steps, then every k. Reference: the algorithm written out with one model and an SGD optimizer per worker.
 */
class PostLocalSgdTest {
    private static final int FEATURES = 3;
    private static final int WORKERS = 2;
    private static final int BATCH = 2;
    private static final int FREQUENCY = 3;
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    private static List<LogisticModel.Example> data(int n, long seed) {
        Random random = new Random(seed);
        List<LogisticModel.Example> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            examples.add(new LogisticModel.Example("ex-" + i, x, x[0] - x[2] + 0.5 * random.nextGaussian() > 0 ? 1 : 0));
        }
        return examples;
    }

    private static TensorBundle zeros() {
        return TensorBundle.of(new LogisticModel(FEATURES, DataType.FLOAT).parameters());
    }

    private TensorBundle fit(String run, Path output, List<LogisticModel.Example> examples, Averaging averaging, int epochs,
                             int checkpointEvery, int crashAfter, List<ParameterAveraging.RoundMetrics> rounds) {
        TrainingConfig config = new TrainingConfig(run, output.toString(), WORKERS, epochs, BATCH, FREQUENCY, checkpointEvery, 11L,
                OptimizerConfig.sgd(0.5), "2026-12-04", crashAfter, averaging);
        return new ParameterAveraging<>(spark, config, () -> new LogisticModel(FEATURES, DataType.FLOAT), new LogisticModel.Loss(),
                (parameters, fs, folder) -> Checkpoints.writeTensors(parameters, fs, new org.apache.hadoop.fs.Path(folder, Checkpoints.MODEL_FILE)),
                rounds::add).fit(jsc.parallelize(examples, 2), zeros());
    }

    /**
     * Post-local SGD written out: each round every worker starts from the global parameters, takes one SGD step per
     * minibatch (one minibatch a round in the run's first {@code warmup} rounds, FREQUENCY after), and the global
     * parameters become the workers' mean. Returns the parameters; {@code roundSteps} gets each round's steps.
     */
    private static TensorBundle postLocalSgd(List<LogisticModel.Example> examples, int epochs, int warmup, List<Integer> roundSteps) {
        LogisticModel.Loss loss = new LogisticModel.Loss();
        long[] tokens = examples.stream().mapToLong(loss::tokens).toArray();
        TensorBundle global = zeros();
        int round = 0;
        int iteration = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            WorkerAssignment assignment = WorkerAssignment.deal(tokens, WORKERS, 11L, epoch);
            List<List<LogisticModel.Example>> lists = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                lists.add(IntStream.range(0, examples.size()).filter(i -> assignment.worker(i) == worker).boxed()
                        .sorted(Comparator.comparingInt(assignment::position)).map(examples::get).toList());
            }
            int longest = lists.stream().mapToInt(List::size).max().orElse(0);
            for (int from = 0; from < longest; round++) {
                int minibatches = round < warmup ? 1 : FREQUENCY;
                TensorBundle sum = null;
                int steps = 0;
                for (List<LogisticModel.Example> mine : lists) {
                    LogisticModel model = new LogisticModel(FEATURES, DataType.FLOAT);
                    global.copyInto(model.parameters());
                    Optimizer sgd = new Optimizer(OptimizerConfig.sgd(0.5), model);
                    int k = 0;
                    for (; k < minibatches && from + k * BATCH < mine.size(); k++) {
                        model.zeroGradients();
                        int start = from + k * BATCH;
                        loss.lossAndGradients(model, mine.subList(start, Math.min(start + BATCH, mine.size())));
                        sgd.step(iteration + k, epoch);
                    }
                    if (k > 0) {
                        TensorBundle fitted = TensorBundle.of(model.parameters());
                        sum = sum == null ? fitted : sum.addInPlace(fitted);
                        steps = Math.max(steps, k);
                    }
                }
                global = sum.scaleInPlace(1.0 / WORKERS);
                iteration += steps;
                roundSteps.add(steps);
                from += minibatches * BATCH;
            }
        }
        return global;
    }

    @Test
    void scheduleFitsOneMinibatchARoundDuringTheWarmupThenTheFrequency() {
        RoundSchedule schedule = new RoundSchedule(3, 4);
        // An epoch of 10 minibatches from round 0: 4 rounds of 1, then 3 + 3 (+ a last round of 0 left) = ceil(6 / 3).
        assertEquals(6, schedule.rounds(0, 10));
        assertEquals(1, schedule.minibatches(3));
        assertEquals(3, schedule.minibatches(4));
        assertEquals(7, schedule.firstMinibatch(0, 5));   // 4 × 1 + 1 × 3
        // An epoch starting at round 2 still has 2 warm-up rounds: 2 + ceil(8 / 3).
        assertEquals(5, schedule.rounds(2, 10));
        assertEquals(2 + 3, schedule.firstMinibatch(2, 3));   // rounds 2, 3 of one minibatch, round 4 of three
        // After the warm-up, rounds are ceil(10 / 3); without one, the schedule is the plain frequency.
        assertEquals(4, schedule.rounds(6, 10));
        assertEquals(4, new RoundSchedule(3, 0).rounds(0, 10));
        assertEquals(9, new RoundSchedule(3, 0).firstMinibatch(0, 3));
        assertEquals("--sync-warmup-steps must be at least 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> Averaging.outer(1.0, 0.0).withSyncWarmupSteps(-1)).getMessage());
    }

    @Test
    void warmupRoundsAverageAfterEveryStepThenEveryFrequencySteps() {
        // 44 examples over 2 workers = 22 each = 11 minibatches of 2 per epoch, 2 epochs; warm-up of 5 steps.
        // Epoch 1: 5 rounds of 1 minibatch, then 6 = 3 + 3; epoch 2: 3 + 3 + 3 + 2 (4 rounds). Examples: both workers.
        List<LogisticModel.Example> examples = data(44, 3);
        for (Averaging mode : List.of(Averaging.outer(1.0, 0.0), Averaging.dl4j())) {
            List<ParameterAveraging.RoundMetrics> rounds = new ArrayList<>();
            TensorBundle trained = fit("warm-" + mode.mode().cliName(), tmp.resolve("warm-" + mode.mode().cliName()), examples,
                    mode.withSyncWarmupSteps(5), 2, 0, 0, rounds);
            List<Integer> referenceSteps = new ArrayList<>();
            TensorBundle reference = postLocalSgd(examples, 2, 5, referenceSteps);
            assertEquals(List.of(1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 2), referenceSteps);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 8L, 11L, 14L, 17L, 20L, 22L), rounds.stream().map(ParameterAveraging.RoundMetrics::iteration).toList(),
                    mode.mode().cliName());
            assertEquals(List.of(4L, 4L, 4L, 4L, 4L, 12L, 12L, 12L, 12L, 12L, 8L), rounds.stream().map(ParameterAveraging.RoundMetrics::examples).toList(),
                    mode.mode().cliName());
            double difference = trained.maxAbsDifference(reference);
            assertTrue(difference < 1e-6, mode.mode().cliName() + " differs from post-local SGD written out by " + difference);
            // Averaging every 3 steps from the start lands elsewhere: the warm-up is what the reference saw.
            TensorBundle noWarmup = postLocalSgd(examples, 2, 0, new ArrayList<>());
            assertTrue(trained.maxAbsDifference(noWarmup) > 1e-4, "warm-up made no difference");
        }
    }

    @Test
    void aRunResumedInsideTheWarmupContinuesAtTheSameExamples() {
        List<LogisticModel.Example> examples = data(44, 4);
        Averaging warm = Averaging.outer(1.0, 0.0).withSyncWarmupSteps(5);
        TensorBundle uninterrupted = fit("straight", tmp.resolve("straight"), examples, warm, 2, 2, 0, new ArrayList<>());
        Path output = tmp.resolve("crashing");
        assertThrows(IllegalStateException.class, () -> fit("crashing", output, examples, warm, 2, 2, 3, new ArrayList<>()));
        // Checkpoint 2 is inside the warm-up; the resumed run goes through its last 3 warm-up rounds, then every 3 steps.
        List<ParameterAveraging.RoundMetrics> resumed = new ArrayList<>();
        TensorBundle result = fit("crashing", output, examples, warm, 2, 2, 0, resumed);
        assertEquals(List.of(3L, 4L, 5L, 8L), resumed.subList(0, 4).stream().map(ParameterAveraging.RoundMetrics::iteration).toList());
        double difference = result.maxAbsDifference(uninterrupted);
        assertTrue(difference <= 1e-6, "resumed run differs by " + difference);

        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class,
                () -> fit("crashing", output, examples, Averaging.outer(1.0, 0.0).withSyncWarmupSteps(2), 2, 2, 0, new ArrayList<>()));
        assertTrue(changed.getMessage().contains("--sync-warmup-steps 5") && changed.getMessage().contains("asks for 2"),
                changed.getMessage());
    }
}
