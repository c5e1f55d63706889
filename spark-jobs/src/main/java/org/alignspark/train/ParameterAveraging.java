package org.alignspark.train;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OuterOptimizer;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.common.train.TrainableModel;
import org.alignspark.common.train.WorkerAssignment;
import org.alignspark.executor.GpuStages;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Parameter-averaged training on Spark core (docs/design.md decisions 5 and 9). One round: broadcast → every partition
 * fits its copy of the model on its next {@code averagingFrequency} minibatches → treeAggregate of the workers'
 * results, losses and counts → the driver combines them over the workers that trained, logs, checkpoints and goes on.
 * How results are combined is the run's {@link Averaging} mode:
 * <ul>
 *   <li>{@code dl4j} (DL4J's ParameterAveragingTrainingMaster): parameters and optimizer state (Adam's moments) are
 *       broadcast and aggregated, and both are averaged;</li>
 *   <li>{@code outer} (local SGD / DiLoCo): only parameters travel, as float32 (or, with {@code --outer-wire bf16}, each
 *       worker's change of them over the round as bfloat16); each worker's optimizer state stays in
 *       its executor ({@link InnerStates}) from round to round, and the driver takes an {@link OuterOptimizer} step on
 *       the averaged change of the parameters. The inner states are not checkpointed: a resumed run, a lost executor
 *       or a moved task starts that worker's inner state afresh, and {@code averaging/fresh_inner_states} counts it.</li>
 * </ul>
 * Every round records {@code averaging/bytes_moved}: the tensor payload of the round, the broadcast once per worker
 * plus each worker's returned tensors (values only; Spark's own framing and the tree's partial sums not counted).
 *
 * @param <E> one training example (a pair, a ranked list, a prompt+completion): never split across minibatches
 * @param <M> the model
 */
public final class ParameterAveraging<E extends Serializable, M extends TrainableModel> {
    /**
     * Round metric: the slowest worker's fitting seconds. Wall-clock, like the seconds and worker_seconds columns, so runs
     * that compare their metrics leave out every {@code timing/} metric.
     */
    public static final String SLOWEST_WORKER_SECONDS = "timing/slowest_worker_seconds";

    private static final Logger LOG = LoggerFactory.getLogger(ParameterAveraging.class);

    /** Builds an executor's copy of the model (its parameter values are overwritten every round). */
    public interface ModelFactory<M> extends Serializable {
        M create();
    }

    /** Receives each round's metrics, and each checkpoint, on the driver. */
    public interface RoundListener {
        void onRound(RoundMetrics metrics);

        /** Rounds up to {@code round} are now safe in a checkpoint. */
        default void onCheckpoint(int round) {}

        /** A resumed run starts after its checkpoint, whose state holds every round's metrics up to it. */
        default void onResume(TrainerState checkpointed) {}
    }

    /** The driver's view of one finished round. */
    public record RoundMetrics(String runId, int round, int epoch, long iteration, long examples, long tokens,
                               double loss, double learningRate, double gradNorm, Map<String, Double> metrics,
                               double seconds, double workerSeconds) {
        /** Share of the round not spent fitting on the workers: broadcast, aggregation, scheduling, driver work. */
        public double overhead() {
            return seconds <= 0 ? 0 : Math.max(0, 1 - workerSeconds / seconds);
        }
    }

    /** Thrown when a worker meets a NaN or infinite loss or gradient; no checkpoint is written from that state. */
    public static final class NonFiniteException extends RuntimeException {
        NonFiniteException(String message) {
            super(message);
        }
    }

    private final SparkSession spark;
    private final TrainingConfig config;
    private final ModelFactory<M> modelFactory;
    private final Objective<E, M> objective;
    private final Checkpoints.ModelWriter modelWriter;
    private final RoundListener listener;

    public ParameterAveraging(SparkSession spark, TrainingConfig config, ModelFactory<M> modelFactory,
                              Objective<E, M> objective, Checkpoints.ModelWriter modelWriter, RoundListener listener) {
        this.spark = spark;
        this.config = config;
        this.modelFactory = modelFactory;
        this.objective = objective;
        this.modelWriter = modelWriter;
        this.listener = listener;
    }

    /** Trains from {@code initial} parameters, or resumes from the newest checkpoint under the output; returns the final parameters. */
    public TensorBundle fit(JavaRDD<E> examples, TensorBundle initial) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        config.gpus().checkSchedulable(jsc.getConf());
        ResourceProfile gpuProfile = config.gpus().enabled() ? config.gpus().profile() : null;   // one for all rounds
        Checkpoints checkpoints = new Checkpoints(config.output(), jsc.hadoopConfiguration());
        JavaPairRDD<Long, E> indexed = examples.zipWithIndex().mapToPair(Tuple2::swap).persist(StorageLevel.MEMORY_AND_DISK());
        Objective<E, M> objective = this.objective;
        long[] tokens = indexed.map(t -> objective.tokens(t._2())).collect().stream().mapToLong(Long::longValue).toArray();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no training examples");
        }

        Averaging averaging = config.averaging();
        boolean outer = averaging.mode() == Averaging.Mode.OUTER;
        // outer: the driver's parameters are stepped in place, so they are a copy of the caller's
        TensorBundle parameters = outer ? initial.zerosLike().addInPlace(initial) : initial;
        TensorBundle optimizerState = outer ? null : initialOptimizerState(initial);
        OuterOptimizer outerStep = outer ? new OuterOptimizer(averaging.outerLearningRate(), averaging.outerMomentum()) : null;
        TrainerState state = new TrainerState(0, 0, 0, 0, config.seed(), config.runId(), averaging.mode().cliName(),
                averaging.syncWarmupSteps(), List.of());
        Optional<Checkpoints.Loaded> resume = checkpoints.latest();
        if (resume.isPresent()) {
            Averaging.Mode saved = resume.get().state().averagingMode();
            if (saved != averaging.mode()) {
                throw new IllegalArgumentException(resume.get().folder() + " was written with --averaging " + saved.cliName()
                        + "; this run asks for --averaging " + averaging.mode().cliName() + ": resume with --averaging "
                        + saved.cliName() + ", or start the new mode in another --output");
            }
            int savedWarmup = resume.get().state().syncWarmupSteps();
            if (savedWarmup != averaging.syncWarmupSteps()) {
                throw new IllegalArgumentException(resume.get().folder() + " was written with --sync-warmup-steps " + savedWarmup
                        + "; this run asks for " + averaging.syncWarmupSteps() + ": the rounds' data positions would differ");
            }
            parameters = resume.get().parameters();
            if (outer) {
                outerStep.loadMomentumBuffer(resume.get().optimizer());
            } else {
                optimizerState = resume.get().optimizer();
            }
            state = resume.get().state();
            LOG.info("resuming {} from {} (round {}, epoch {}, data position {})", config.runId(), resume.get().folder(),
                    state.round(), state.epoch(), state.roundInEpoch());
            listener.onResume(state);
        }
        List<RoundMetrics> history = new ArrayList<>(state.logHistory());
        String session = UUID.randomUUID().toString();   // names this fit's worker-local inner states (outer mode)

        long totalTokens = java.util.Arrays.stream(tokens).sum();
        RoundSchedule schedule = new RoundSchedule(config.averagingFrequency(), averaging.syncWarmupSteps());
        int totalRounds = 0;
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            totalRounds += schedule.rounds(totalRounds, minibatchesInEpoch(tokens, epoch));
        }
        LOG.info("training {}: {} examples ({} tokens), {} workers x {} minibatches of {} (1 in the first {} rounds), "
                        + "{} rounds in {} epochs, averaging {}", config.runId(), tokens.length, totalTokens, config.workers(),
                config.averagingFrequency(), config.batchSizePerWorker(), averaging.syncWarmupSteps(), totalRounds,
                config.epochs(), outer
                        ? String.format(Locale.ROOT, "outer (lr %s, Nesterov momentum %s)", averaging.outerLearningRate(), averaging.outerMomentum())
                        : "dl4j");
        Instant runStart = Instant.now();
        int roundsThisRun = 0;

        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            WorkerAssignment assignment = WorkerAssignment.deal(tokens, config.workers(), config.seed(), epoch);
            JavaRDD<List<Tuple2<Integer, E>>> partitions = partition(indexed, jsc.broadcast(assignment));
            int epochStart = epoch == state.epoch() ? state.round() - state.roundInEpoch() : state.round();
            int rounds = schedule.rounds(epochStart, assignment.rounds(config.batchSizePerWorker()));
            for (int roundInEpoch = epoch == state.epoch() ? state.roundInEpoch() : 0; roundInEpoch < rounds; roundInEpoch++) {
                Instant start = Instant.now();
                TensorBundle broadcast = outer ? parameters.inFloat32() : parameters;
                Slice slice = new Slice(epoch, roundInEpoch,
                        (int) (schedule.firstMinibatch(epochStart, roundInEpoch) * config.batchSizePerWorker()),
                        schedule.minibatches(state.round()));
                WorkerResult result = round(jsc, partitions, broadcast, optimizerState, state.iteration(), state.round() + 1,
                        slice, session, gpuProfile);
                if (result.failure != null) {
                    throw new NonFiniteException(result.failure);
                }
                long bytesMoved = (broadcast.wireBytes() + (outer ? 0 : optimizerState.wireBytes())) * config.workers()
                        + result.resultBytes;
                TensorBundle workerMean = result.parameterSum.scaleInPlace(1.0 / result.contributors);
                if (averaging.sendsBf16Changes()) {   // the workers sent their change: mean parameters = θ + mean change
                    workerMean.addInPlace(parameters);
                }
                if (outer) {
                    parameters = outerStep.step(parameters, workerMean);
                } else {
                    parameters = workerMean;
                    optimizerState = result.optimizerSum.scaleInPlace(1.0 / result.contributors);
                }
                String nonFinite = parameters.firstNonFinite();
                if (nonFinite != null) {
                    throw new NonFiniteException("round " + (state.round() + 1) + ": averaged parameter '" + nonFinite + "' is not finite");
                }
                boolean lastInEpoch = roundInEpoch + 1 == rounds;
                state = new TrainerState(state.round() + 1, lastInEpoch ? epoch + 1 : epoch, lastInEpoch ? 0 : roundInEpoch + 1,
                        state.iteration() + result.maxSteps, config.seed(), config.runId(), averaging.mode().cliName(),
                        averaging.syncWarmupSteps(), List.of());
                Map<String, Double> roundMetrics = new LinkedHashMap<>(result.batches.metricMeans());
                roundMetrics.put("averaging/bytes_moved", (double) bytesMoved);
                // the overhead fraction counts waiting for the slowest worker (uneven work, a slow core) as overhead; this
                // splits it out: round seconds − slowest worker is what scheduling, moving tensors and averaging take
                roundMetrics.put(SLOWEST_WORKER_SECONDS, result.slowestComputeSeconds);
                if (outer) {
                    roundMetrics.put("averaging/fresh_inner_states", (double) result.freshInnerStates);
                }
                roundsThisRun++;
                double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
                RoundMetrics metrics = new RoundMetrics(config.runId(), state.round(), epoch, state.iteration(),
                        result.batches.examples(), result.batches.tokens(), result.batches.meanLoss(),
                        config.optimizer().schedule().at(Math.max(0, state.iteration() - 1)),
                        result.steps == 0 ? 0 : result.gradNormSum / result.steps, roundMetrics, seconds,
                        result.contributors == 0 ? 0 : result.computeSeconds / result.contributors);
                logRound(metrics, runStart, roundsThisRun, totalRounds - state.round());
                listener.onRound(metrics);
                history.add(metrics);
                boolean last = state.epoch() >= config.epochs();
                if (last || (config.checkpointEvery() > 0 && state.round() % config.checkpointEvery() == 0)) {
                    TensorBundle driverOptimizerState = outer ? outerStep.momentumBuffer(parameters) : optimizerState;
                    LOG.info("checkpoint {}", checkpoints.write(state.withLogHistory(history), parameters, driverOptimizerState, modelWriter));
                    listener.onCheckpoint(state.round());
                }
                if (config.crashAfterRound() > 0 && state.round() == config.crashAfterRound()) {
                    throw new IllegalStateException("injected crash after round " + state.round());
                }
            }
            partitions.unpersist();
        }
        indexed.unpersist();
        InnerStates.forget(runKey(config), session);
        return parameters;
    }

    /**
     * Where a round's data lies in each worker's list of the epoch: from example {@code from}, up to {@code minibatches}
     * minibatches of the worker batch size ({@code epoch} and {@code roundInEpoch} name it in error messages).
     */
    record Slice(int epoch, int roundInEpoch, int from, int minibatches) implements Serializable {}

    /** Minibatches of the busiest worker in {@code epoch}: what the epoch's rounds must cover. */
    private int minibatchesInEpoch(long[] tokens, int epoch) {
        return WorkerAssignment.deal(tokens, config.workers(), config.seed(), epoch).rounds(config.batchSizePerWorker());
    }

    private TensorBundle initialOptimizerState(TensorBundle initial) {
        M model = modelFactory.create();
        initial.copyInto(model.parameters());
        return new Optimizer(config.optimizer(), model).state();
    }

    /** Each worker's examples of the epoch, as one list per partition in training order: [(position, example)]. */
    private JavaRDD<List<Tuple2<Integer, E>>> partition(JavaPairRDD<Long, E> indexed, Broadcast<WorkerAssignment> assignment) {
        return indexed
                .mapToPair(t -> {
                    int example = (int) (long) t._1();
                    WorkerAssignment a = assignment.value();
                    return new Tuple2<>(a.worker(example), new Tuple2<>(a.position(example), t._2()));
                })
                .partitionBy(new HashPartitioner(config.workers()))
                .mapPartitions(it -> {
                    List<Tuple2<Integer, E>> list = new ArrayList<>();
                    it.forEachRemaining(t -> list.add(t._2()));
                    list.sort(java.util.Comparator.comparing(Tuple2::_1));
                    return List.of(list).iterator();
                }, true)
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    private static String runKey(TrainingConfig config) {
        return config.runId() + "@" + config.output();
    }

    /** One round on the cluster; {@code optimizerState} is null in outer mode, where none travels. */
    private WorkerResult round(JavaSparkContext jsc, JavaRDD<List<Tuple2<Integer, E>>> partitions, TensorBundle parameters,
                               TensorBundle optimizerState, long iteration, int round, Slice slice, String session,
                               ResourceProfile gpuProfile) {
        Broadcast<TensorBundle> params = jsc.broadcast(parameters);
        Broadcast<TensorBundle> optimizer = optimizerState == null ? null : jsc.broadcast(optimizerState);
        TrainingConfig config = this.config;
        ModelFactory<M> factory = modelFactory;
        Objective<E, M> objective = this.objective;
        Function2<Integer, Iterator<List<Tuple2<Integer, E>>>, Iterator<WorkerResult>> train = (partition, lists) -> {
            String gpu = GpuStages.bindAssignedGpu();
            List<Tuple2<Integer, E>> mine = lists.hasNext() ? lists.next() : List.of();
            WorkerResult result = optimizer == null
                    ? trainOuterWorker(partition, mine, params.value(), iteration, round, slice, session, config, factory, objective)
                    : trainWorker(partition, mine, params.value(), optimizer.value(), iteration, round, slice, config, factory, objective);
            if (gpu != null) {
                result.gpus.put(partition, gpu);
            }
            return List.of(result).iterator();
        };
        JavaRDD<WorkerResult> trained = partitions.mapPartitionsWithIndex(train, false);
        if (gpuProfile != null) {   // the training stage on GPU executors; the shuffle that deals the examples stays on the default profile
            trained = trained.withResources(gpuProfile);
        }
        WorkerResult result = trained.treeAggregate(WorkerResult.empty(), WorkerResult::merge, WorkerResult::merge);
        if (!result.gpus.isEmpty()) {
            LOG.info("round {}: workers on {}", round, result.gpus);
        }
        params.destroy();
        if (optimizer != null) {
            optimizer.destroy();
        }
        return result;
    }

    /** One worker's round in dl4j mode: the broadcast optimizer state in, this worker's optimizer state out. */
    static <E, M extends TrainableModel> WorkerResult trainWorker(int partition, List<Tuple2<Integer, E>> examples,
                                                                   TensorBundle params, TensorBundle optimizerState,
                                                                   long iteration, int round, Slice slice,
                                                                   TrainingConfig config, ModelFactory<M> factory,
                                                                   Objective<E, M> objective) {
        if (slice.from() >= examples.size()) {
            return WorkerResult.empty();
        }
        String poolKey = runKey(config);
        long startNanos = System.nanoTime();
        M model = ModelPool.borrow(poolKey, factory::create);
        if (!params.fits(model.parameters())) {   // the run folder was started afresh with another architecture
            model = factory.create();
        }
        try {
            params.copyInto(model.parameters());
            Optimizer optimizer = new Optimizer(config.optimizer(), model);
            optimizer.loadState(optimizerState);
            // the broadcast state is the run's, so its steps are the run's
            WorkerResult result = fitMinibatches(partition, examples, slice, model, optimizer, iteration, iteration, config, objective);
            if (result.failure != null) {
                return result;
            }
            result.parameterSum = TensorBundle.of(model.parameters());
            result.optimizerSum = optimizer.state();
            result.resultBytes = result.parameterSum.wireBytes() + result.optimizerSum.wireBytes();
            return result.fitted(partition, round, startNanos);
        } finally {
            ModelPool.giveBack(poolKey, model);
        }
    }

    /**
     * One worker's round in outer mode: the worker's own inner optimizer state, kept in this executor from its previous
     * round (or fresh, and counted, when there is none), fits from the broadcast parameters; only the parameters
     * (float32) go back, and the inner state stays here for the next round.
     */
    static <E, M extends TrainableModel> WorkerResult trainOuterWorker(int partition, List<Tuple2<Integer, E>> examples,
                                                                        TensorBundle params, long iteration, int round,
                                                                        Slice slice, String session,
                                                                        TrainingConfig config, ModelFactory<M> factory,
                                                                        Objective<E, M> objective) {
        String run = runKey(config);
        InnerStates.Entry<M> entry = InnerStates.take(run, session, partition, round);
        if (slice.from() >= examples.size()) {   // no data this round: the inner state waits for the next one
            if (entry != null) {
                InnerStates.put(run, session, partition, new InnerStates.Entry<>(entry.model(), entry.optimizer(), round, entry.steps()));
            }
            return WorkerResult.empty();
        }
        long startNanos = System.nanoTime();
        boolean fresh = entry == null || !params.fits(entry.model().parameters());
        M model;
        Optimizer optimizer;
        if (fresh) {
            model = ModelPool.borrow(run, factory::create);
            if (!params.fits(model.parameters())) {   // the run folder was started afresh with another architecture
                model = factory.create();
            }
            optimizer = new Optimizer(config.optimizer(), model);
        } else {
            model = entry.model();
            optimizer = entry.optimizer();
        }
        boolean kept = false;
        try {
            params.copyInto(model.parameters());
            long stateSteps = fresh ? 0 : entry.steps();
            WorkerResult result = fitMinibatches(partition, examples, slice, model, optimizer, iteration, stateSteps, config, objective);
            if (result.failure != null) {
                return result;
            }
            result.parameterSum = config.averaging().sendsBf16Changes()
                    ? TensorBundle.of(model.parameters()).subtractInPlace(params).inBfloat16()   // the round's change
                    : TensorBundle.of(model.parameters()).inFloat32();
            result.resultBytes = result.parameterSum.wireBytes();
            result.freshInnerStates = fresh ? 1 : 0;
            InnerStates.put(run, session, partition, new InnerStates.Entry<>(model, optimizer, round, stateSteps + result.steps));
            kept = true;
            return result.fitted(partition, round, startNanos);
        } finally {
            if (!kept) {   // a failed round leaves no inner state behind: a retry starts afresh
                ModelPool.giveBack(run, model);
            }
        }
    }

    /**
     * Up to the slice's minibatches from the worker's data position; the model and optimizer are updated in place.
     * {@code iteration} is the run's step (learning rate), {@code stateSteps} the steps the optimizer state has taken.
     */
    private static <E, M extends TrainableModel> WorkerResult fitMinibatches(int partition, List<Tuple2<Integer, E>> examples,
                                                                             Slice slice, M model, Optimizer optimizer,
                                                                             long iteration, long stateSteps,
                                                                             TrainingConfig config, Objective<E, M> objective) {
        WorkerResult result = new WorkerResult();
        int epoch = slice.epoch();
        int roundInEpoch = slice.roundInEpoch();
        for (int k = 0; k < slice.minibatches(); k++) {
            int start = slice.from() + k * config.batchSizePerWorker();
            if (start >= examples.size()) {
                break;
            }
            List<E> batch = new ArrayList<>();
            for (Tuple2<Integer, E> t : examples.subList(start, Math.min(start + config.batchSizePerWorker(), examples.size()))) {
                batch.add(t._2());
            }
            model.zeroGradients();
            BatchResult losses = objective.lossAndGradients(model, batch);
            double gradNorm = optimizer.globalNorm();
            if (!Double.isFinite(losses.lossSum()) || !Double.isFinite(gradNorm)) {
                return WorkerResult.failed(String.format(Locale.ROOT,
                        "non-finite %s in epoch %d, round %d of the epoch, partition %d, minibatch %d; examples %s",
                        Double.isFinite(losses.lossSum()) ? "gradient" : "loss", epoch, roundInEpoch + 1, partition, k,
                        batch.stream().map(objective::exampleId).toList()));
            }
            optimizer.step((int) (iteration + k), epoch, (int) (stateSteps + k));
            result.batches.add(losses);
            result.gradNormSum += gradNorm;
            result.steps++;
        }
        result.contributors = 1;
        result.maxSteps = result.steps;
        return result;
    }

    private static void logRound(RoundMetrics m, Instant runStart, int roundsThisRun, int roundsLeft) {
        double elapsed = Math.max(1e-3, Duration.between(runStart, Instant.now()).toMillis() / 1000.0);
        double eta = elapsed / roundsThisRun * roundsLeft;
        LOG.info(String.format(Locale.ROOT,
                "round %d (epoch %d): loss %.5f, %d examples, %.1f examples/s, %.0f tokens/s, lr %.3g, grad norm %.3g, "
                        + "%.2f s (%.0f%% outside workers' fitting) %s, ETA %.0f s",
                m.round(), m.epoch(), m.loss(), m.examples(), m.examples() / Math.max(1e-3, m.seconds()),
                m.tokens() / Math.max(1e-3, m.seconds()), m.learningRate(), m.gradNorm(), m.seconds(), 100 * m.overhead(),
                m.metrics(), eta));
    }
}
