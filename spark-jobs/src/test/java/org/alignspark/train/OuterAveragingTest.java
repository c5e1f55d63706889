package org.alignspark.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.alignspark.common.train.LearningRateSchedule;
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

/** {@code --averaging outer}: worker-local inner state, the outer step, float32 parameters only, and resume. */
class OuterAveragingTest {
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

    /** Noisy linear labels (label = [x0 + 0.5 x1 - x2 + noise > 0.1]), so the loss has a floor and does not go to 0. */
    private static List<LogisticModel.Example> data(int n, long seed) {
        Random random = new Random(seed);
        List<LogisticModel.Example> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            int label = x[0] + 0.5 * x[1] - x[2] + 0.7 * random.nextGaussian() > 0.1 ? 1 : 0;
            examples.add(new LogisticModel.Example("ex-" + i, x, label));
        }
        return examples;
    }

    private static TensorBundle zeros() {
        return TensorBundle.of(new LogisticModel(FEATURES, DataType.FLOAT).parameters());
    }

    private static OptimizerConfig adam(double learningRate) {
        return new OptimizerConfig(OptimizerConfig.Kind.ADAM,
                new LearningRateSchedule(learningRate, 0, 1, LearningRateSchedule.Shape.CONSTANT), 0.9, 0.999, 1e-8, 0, 0);
    }

    private static TrainingConfig config(String run, Path output, int workers, int batch, int frequency, int epochs,
                                         OptimizerConfig optimizer, int checkpointEvery, int crashAfter, Averaging averaging) {
        return new TrainingConfig(run, output.toString(), workers, epochs, batch, frequency, checkpointEvery, 11L, optimizer,
                "2026-12-03", crashAfter, averaging);
    }

    private ParameterAveraging<LogisticModel.Example, LogisticModel> trainer(TrainingConfig config, List<ParameterAveraging.RoundMetrics> rounds) {
        return new ParameterAveraging<>(spark, config, () -> new LogisticModel(FEATURES, DataType.FLOAT), new LogisticModel.Loss(),
                (parameters, fs, folder) -> Checkpoints.writeTensors(parameters, fs, new org.apache.hadoop.fs.Path(folder, Checkpoints.MODEL_FILE)),
                rounds::add);
    }

    private TensorBundle fit(TrainingConfig config, List<LogisticModel.Example> examples, List<ParameterAveraging.RoundMetrics> rounds) {
        return trainer(config, rounds).fit(jsc.parallelize(examples, 2), zeros());
    }

    /** Mean binary cross-entropy of the fitted parameters on held-out examples. */
    private static double heldOutLoss(TensorBundle parameters, List<LogisticModel.Example> test) {
        LogisticModel model = new LogisticModel(FEATURES, DataType.DOUBLE);
        parameters.copyInto(model.parameters());
        double loss = 0;
        for (LogisticModel.Example e : test) {
            double z = model.logit(e.x());
            loss += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - e.label() * z;
        }
        return loss / test.size();
    }

    @Test
    void oneWorkerWithPlainAveragingKeepsItsAdamMomentsAcrossRoundsAsSequentialAdamDoes() {
        // One worker, --outer-lr 1 --outer-momentum 0: the outer step returns the worker's parameters, so the run must be
        // plain sequential Adam over the worker's minibatches, moments carried from round to round. A worker that lost
        // its moments each round (as a fresh Adam) would differ.
        List<LogisticModel.Example> examples = data(60, 1);
        int batch = 4;
        int frequency = 3;
        int epochs = 2;
        OptimizerConfig adam = adam(0.1);
        List<ParameterAveraging.RoundMetrics> rounds = new ArrayList<>();
        TensorBundle distributed = fit(config("one", tmp.resolve("one"), 1, batch, frequency, epochs, adam, 0, 0,
                Averaging.outer(1.0, 0.0)), examples, rounds);

        LogisticModel single = new LogisticModel(FEATURES, DataType.FLOAT);
        Optimizer reference = new Optimizer(adam, single);
        LogisticModel.Loss loss = new LogisticModel.Loss();
        long[] tokens = examples.stream().mapToLong(loss::tokens).toArray();
        int iteration = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            WorkerAssignment assignment = WorkerAssignment.deal(tokens, 1, 11L, epoch);
            List<LogisticModel.Example> ordered = IntStream.range(0, examples.size()).boxed()
                    .sorted(Comparator.comparingInt(assignment::position)).map(examples::get).toList();
            for (int start = 0; start < ordered.size(); start += batch) {
                single.zeroGradients();
                loss.lossAndGradients(single, ordered.subList(start, Math.min(start + batch, ordered.size())));
                reference.step(iteration++, epoch);
            }
        }
        double difference = distributed.maxAbsDifference(TensorBundle.of(single.parameters()));
        assertTrue(difference < 1e-6, "outer mode with one worker differs from sequential Adam by " + difference);
        assertTrue(Math.abs(distributed.values(0)[0]) > 0.1, "training moved the parameters");
        assertEquals(10, rounds.size());   // 60 examples / (4 × 3) per round = 5 rounds per epoch
        assertEquals(1.0, rounds.get(0).metrics().get("averaging/fresh_inner_states"));
        rounds.subList(1, rounds.size()).forEach(r -> assertEquals(0.0, r.metrics().get("averaging/fresh_inner_states"), "round " + r.round()));
    }

    @Test
    void onlyFloat32ParametersTravelAndEachWorkerStartsFreshOnlyInTheFirstRound() {
        List<LogisticModel.Example> examples = data(48, 2);
        List<ParameterAveraging.RoundMetrics> outer = new ArrayList<>();
        fit(config("bytes-outer", tmp.resolve("bytes-outer"), 2, 4, 2, 2, adam(0.05), 0, 0, Averaging.outer(0.7, 0.9)), examples, outer);
        List<ParameterAveraging.RoundMetrics> dl4j = new ArrayList<>();
        fit(config("bytes-dl4j", tmp.resolve("bytes-dl4j"), 2, 4, 2, 2, adam(0.05), 0, 0, Averaging.dl4j()), examples, dl4j);

        // 48 examples over 2 workers = 24 each, 8 per round: 3 rounds per epoch, 2 epochs.
        assertEquals(6, outer.size());
        // The model holds 4 values (w: 3, b: 1); Adam's state 2 per value. Per round, with 2 workers, float32 (4 bytes):
        //   outer: parameters broadcast to 2 workers (2 × 16) + parameters back from 2 (2 × 16)            =  64 bytes
        //   dl4j:  parameters and moments out (2 × (16 + 32)) + the same back (2 × (16 + 32))                = 192 bytes
        outer.forEach(r -> assertEquals(64.0, r.metrics().get("averaging/bytes_moved"), "round " + r.round()));
        dl4j.forEach(r -> assertEquals(192.0, r.metrics().get("averaging/bytes_moved"), "round " + r.round()));
        // Both workers start a fresh inner state in round 1 only; across the epoch boundary they keep theirs.
        assertEquals(2.0, outer.get(0).metrics().get("averaging/fresh_inner_states"));
        outer.subList(1, outer.size()).forEach(r -> assertEquals(0.0, r.metrics().get("averaging/fresh_inner_states"), "round " + r.round()));
        assertTrue(dl4j.stream().noneMatch(r -> r.metrics().containsKey("averaging/fresh_inner_states")));
        // the slowest worker's fitting: at least the mean over the workers, within the round
        for (ParameterAveraging.RoundMetrics r : concat(outer, dl4j)) {
            double slowest = r.metrics().get(ParameterAveraging.SLOWEST_WORKER_SECONDS);
            assertTrue(slowest > 0 && slowest >= r.workerSeconds() && slowest <= r.seconds() + 0.01, "round " + r.round()
                    + ": slowest " + slowest + ", mean " + r.workerSeconds() + ", round " + r.seconds());
        }
    }

    @Test
    void bf16ChangesHalveWhatComesBackAndStayWithinBf16RoundingOfTheFloat32Run() {
        // One worker, one round of SGD from zeros: the float32 run's new parameters are the worker's change itself; with
        // bf16 the change is rounded to 8 significant bits (round to nearest: off by at most 2^-9 of itself) before the
        // driver adds it. So each parameter of the bf16 run lies within 2^-9 of the change of the float32 run's.
        List<LogisticModel.Example> examples = data(16, 7);
        OptimizerConfig sgd = OptimizerConfig.sgd(0.3);
        List<ParameterAveraging.RoundMetrics> f32 = new ArrayList<>();
        TensorBundle exact = fit(config("wire-f32", tmp.resolve("wire-f32"), 1, 4, 4, 1, sgd, 0, 0, Averaging.outer(1.0, 0.0)),
                examples, f32);
        List<ParameterAveraging.RoundMetrics> bf16 = new ArrayList<>();
        TensorBundle rounded = fit(config("wire-bf16", tmp.resolve("wire-bf16"), 1, 4, 4, 1, sgd, 0, 0,
                Averaging.outer(1.0, 0.0).withOuterWire(TensorBundle.Wire.BFLOAT16)), examples, bf16);
        assertEquals(1, f32.size());
        // 4 parameters: broadcast as float32 (16 bytes), back as float32 (16) or bfloat16 (8)
        assertEquals(32.0, f32.get(0).metrics().get("averaging/bytes_moved"));
        assertEquals(24.0, bf16.get(0).metrics().get("averaging/bytes_moved"));
        TensorBundle start = zeros();
        boolean anyRounded = false;
        for (int i = 0; i < exact.size(); i++) {
            for (int j = 0; j < exact.values(i).length; j++) {
                double change = exact.values(i)[j] - start.values(i)[j];
                double difference = Math.abs(rounded.values(i)[j] - exact.values(i)[j]);
                assertTrue(Math.abs(change) > 1e-3, "SGD moved " + exact.name(i) + "[" + j + "]");
                assertTrue(difference <= 0x1p-9 * Math.abs(change) + 1e-7, exact.name(i) + "[" + j + "]: float32 run "
                        + exact.values(i)[j] + ", bf16 run " + rounded.values(i)[j]);
                anyRounded |= difference > 1e-7;
            }
        }
        assertTrue(anyRounded, "the bf16 run's changes were rounded: " + rounded.maxAbsDifference(exact));
        assertThrows(IllegalArgumentException.class, () -> Averaging.dl4j().withOuterWire(TensorBundle.Wire.BFLOAT16));
        assertThrows(IllegalArgumentException.class, () -> Averaging.parseOuterWire("fp16"));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void outerAveragingAtFrequencyFiveReachesTheSingleWorkerLoss() {
        // Same examples seen (800 per epoch, 3 epochs) and the same global batch (16) and number of optimizer steps:
        // one worker with batch 16 against two workers with batch 8 each, averaging every 5 minibatches.
        List<LogisticModel.Example> train = data(800, 4);
        List<LogisticModel.Example> test = data(400, 5);
        OptimizerConfig adam = adam(0.02);
        double initial = heldOutLoss(zeros(), test);   // ln 2
        double single = heldOutLoss(fit(config("single", tmp.resolve("single"), 1, 16, 5, 3, adam, 0, 0, Averaging.dl4j()),
                train, new ArrayList<>()), test);
        double dl4j = heldOutLoss(fit(config("dl4j5", tmp.resolve("dl4j5"), 2, 8, 5, 3, adam, 0, 0, Averaging.dl4j()),
                train, new ArrayList<>()), test);
        double localSgd = heldOutLoss(fit(config("outer5", tmp.resolve("outer5"), 2, 8, 5, 3, adam, 0, 0, Averaging.outer(1.0, 0.0)),
                train, new ArrayList<>()), test);
        double diloco = heldOutLoss(fit(config("diloco5", tmp.resolve("diloco5"), 2, 8, 5, 3, adam, 0, 0, Averaging.outer(0.7, 0.9)),
                train, new ArrayList<>()), test);
        double bf16Changes = heldOutLoss(fit(config("bf16-5", tmp.resolve("bf16-5"), 2, 8, 5, 3, adam, 0, 0,
                Averaging.outer(1.0, 0.0).withOuterWire(TensorBundle.Wire.BFLOAT16)), train, new ArrayList<>()), test);
        System.out.printf("held-out loss: initial %.4f, one worker %.4f, dl4j f5 %.4f, outer(1, 0) f5 %.4f, outer(0.7, 0.9) f5 %.4f,"
                + " outer(1, 0) bf16 changes f5 %.4f%n", initial, single, dl4j, localSgd, diloco, bf16Changes);
        assertTrue(single < initial - 0.2, "the single worker learned: " + single);
        // The margin: within 0.02 nats (about 5% of the single worker's loss) of the single worker.
        assertTrue(localSgd <= single + 0.02, "outer(1, 0) at frequency 5: " + localSgd + " vs one worker " + single);
        assertTrue(diloco <= single + 0.02, "outer(0.7, 0.9) at frequency 5: " + diloco + " vs one worker " + single);
        assertTrue(bf16Changes <= single + 0.02, "outer(1, 0), bf16 changes, at frequency 5: " + bf16Changes + " vs one worker " + single);
    }

    @Test
    void resumedRunRestoresTheOuterMomentum() throws java.io.IOException {
        // Inner SGD keeps no state, so a resumed run (whose inner states start afresh) must match the uninterrupted one
        // as long as the outer momentum buffer comes back from the checkpoint.
        List<LogisticModel.Example> examples = data(64, 6);
        OptimizerConfig sgd = OptimizerConfig.sgd(0.3);
        Averaging diloco = Averaging.outer(0.7, 0.9);
        TensorBundle uninterrupted = fit(config("straight", tmp.resolve("straight"), 2, 4, 2, 2, sgd, 2, 0, diloco),
                examples, new ArrayList<>());

        Path output = tmp.resolve("crashing");
        assertThrows(IllegalStateException.class, () -> fit(config("crashing", output, 2, 4, 2, 2, sgd, 2, 3, diloco),
                examples, new ArrayList<>()));
        assertTrue(Files.exists(output.resolve("checkpoint-000002").resolve(Checkpoints.OUTER_MOMENTUM_FILE)));
        assertTrue(Files.readString(output.resolve("checkpoint-000002").resolve(Checkpoints.STATE_FILE)).contains("\"averaging\" : \"outer\""));
        List<ParameterAveraging.RoundMetrics> resumedRounds = new ArrayList<>();
        TensorBundle resumed = fit(config("crashing", output, 2, 4, 2, 2, sgd, 2, 0, diloco), examples, resumedRounds);

        double difference = resumed.maxAbsDifference(uninterrupted);
        assertTrue(difference <= 1e-5, "resumed run differs by " + difference);
        assertTrue(uninterrupted.maxAbsDifference(zeros()) > 0.1, "training moved the parameters");
        // The resumed run started after round 2, and both workers' inner states afresh.
        assertEquals(3, resumedRounds.get(0).round());
        assertEquals(2.0, resumedRounds.get(0).metrics().get("averaging/fresh_inner_states"));
    }

    @Test
    void afterAResumeEachWorkerContinuesWithAFreshAdamCountingItsOwnSteps() {
        // One worker, plain averaging: the run is sequential Adam up to checkpoint-000002 (2 rounds x 3 steps); the
        // resumed run starts a new Adam there (zero moments, bias correction from its own first step) at the run's
        // learning rate. Reference: the same, written out with two Optimizers.
        List<LogisticModel.Example> examples = data(60, 8);
        int batch = 4;
        int frequency = 3;
        OptimizerConfig adam = new OptimizerConfig(OptimizerConfig.Kind.ADAM,
                new LearningRateSchedule(0.1, 0, 30, LearningRateSchedule.Shape.LINEAR), 0.9, 0.999, 1e-8, 0, 0);
        Path output = tmp.resolve("fresh-after-resume");
        assertThrows(IllegalStateException.class, () -> fit(config("fresh", output, 1, batch, frequency, 2, adam, 2, 3,
                Averaging.outer(1.0, 0.0)), examples, new ArrayList<>()));
        List<ParameterAveraging.RoundMetrics> rounds = new ArrayList<>();
        TensorBundle resumed = fit(config("fresh", output, 1, batch, frequency, 2, adam, 2, 0, Averaging.outer(1.0, 0.0)),
                examples, rounds);
        assertEquals(1.0, rounds.get(0).metrics().get("averaging/fresh_inner_states"));

        LogisticModel single = new LogisticModel(FEATURES, DataType.FLOAT);
        Optimizer reference = new Optimizer(adam, single);
        LogisticModel.Loss loss = new LogisticModel.Loss();
        long[] tokens = examples.stream().mapToLong(loss::tokens).toArray();
        int iteration = 0;
        int resumedAt = 2 * frequency;
        for (int epoch = 0; epoch < 2; epoch++) {
            WorkerAssignment assignment = WorkerAssignment.deal(tokens, 1, 11L, epoch);
            List<LogisticModel.Example> ordered = IntStream.range(0, examples.size()).boxed()
                    .sorted(Comparator.comparingInt(assignment::position)).map(examples::get).toList();
            for (int start = 0; start < ordered.size(); start += batch) {
                if (iteration == resumedAt) {
                    reference = new Optimizer(adam, single);
                }
                single.zeroGradients();
                loss.lossAndGradients(single, ordered.subList(start, Math.min(start + batch, ordered.size())));
                reference.step(iteration, epoch, iteration < resumedAt ? iteration : iteration - resumedAt);
                iteration++;
            }
        }
        double difference = resumed.maxAbsDifference(TensorBundle.of(single.parameters()));
        assertTrue(difference < 1e-6, "resumed outer run differs from a fresh Adam at the checkpoint by " + difference);
    }

    @Test
    void resumingWithAnotherAveragingModeFailsNamingBoth() {
        List<LogisticModel.Example> examples = data(32, 7);
        Path output = tmp.resolve("switch");
        fit(config("switch", output, 2, 4, 2, 1, adam(0.05), 1, 0, Averaging.dl4j()), examples, new ArrayList<>());
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> fit(config("switch", output, 2, 4, 2, 1, adam(0.05), 1, 0, Averaging.outer(1.0, 0.0)), examples, new ArrayList<>()));
        assertTrue(error.getMessage().contains("--averaging dl4j") && error.getMessage().contains("--averaging outer"), error.getMessage());
    }

    @Test
    void outerOptionsWithoutOuterAveragingAndUnknownModesAreRefused() {
        assertEquals("--outer-lr and --outer-momentum apply to --averaging outer only",
                assertThrows(IllegalArgumentException.class, () -> new Averaging(Averaging.Mode.DL4J, 0.7, 0.9)).getMessage());
        assertEquals("--averaging must be dl4j or outer, got 'diloco'",
                assertThrows(IllegalArgumentException.class, () -> Averaging.Mode.parse("diloco")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Averaging.outer(0.7, 1.0));
    }
}
