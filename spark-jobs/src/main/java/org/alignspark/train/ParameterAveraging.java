package org.alignspark.train;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.TensorBundle;
import org.alignspark.common.train.TrainableModel;
import org.alignspark.common.train.WorkerAssignment;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Parameter-averaged training on Spark core (docs/design.md decision 5; the algorithm of DL4J's
 * ParameterAveragingTrainingMaster). One round: broadcast parameters and optimizer state → every partition fits its
 * copy of the model on its next {@code averagingFrequency} minibatches → treeAggregate of parameters, optimizer state,
 * losses and counts → the driver averages over the workers that trained, logs, checkpoints and goes on.
 *
 * @param <E> one training example (a pair, a ranked list, a prompt+completion): never split across minibatches
 * @param <M> the model
 */
public final class ParameterAveraging<E extends Serializable, M extends TrainableModel> {
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
        Checkpoints checkpoints = new Checkpoints(config.output(), jsc.hadoopConfiguration());
        JavaPairRDD<Long, E> indexed = examples.zipWithIndex().mapToPair(Tuple2::swap).persist(StorageLevel.MEMORY_AND_DISK());
        Objective<E, M> objective = this.objective;
        long[] tokens = indexed.map(t -> objective.tokens(t._2())).collect().stream().mapToLong(Long::longValue).toArray();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no training examples");
        }

        TensorBundle parameters = initial;
        TensorBundle optimizerState = initialOptimizerState(initial);
        TrainerState state = new TrainerState(0, 0, 0, 0, config.seed(), config.runId(), List.of());
        Optional<Checkpoints.Loaded> resume = checkpoints.latest();
        if (resume.isPresent()) {
            parameters = resume.get().parameters();
            optimizerState = resume.get().optimizer();
            state = resume.get().state();
            LOG.info("resuming {} from {} (round {}, epoch {}, data position {})", config.runId(), resume.get().folder(),
                    state.round(), state.epoch(), state.roundInEpoch());
            listener.onResume(state);
        }
        List<RoundMetrics> history = new ArrayList<>(state.logHistory());

        long totalTokens = java.util.Arrays.stream(tokens).sum();
        int roundsPerEpoch = WorkerAssignment.deal(tokens, config.workers(), config.seed(), 0).rounds(config.examplesPerRound());
        int totalRounds = roundsPerEpoch * config.epochs();
        LOG.info("training {}: {} examples ({} tokens), {} workers x {} minibatches of {}, {} rounds/epoch, {} epochs",
                config.runId(), tokens.length, totalTokens, config.workers(), config.averagingFrequency(),
                config.batchSizePerWorker(), roundsPerEpoch, config.epochs());
        Instant runStart = Instant.now();
        int roundsThisRun = 0;

        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            WorkerAssignment assignment = WorkerAssignment.deal(tokens, config.workers(), config.seed(), epoch);
            JavaRDD<List<Tuple2<Integer, E>>> partitions = partition(indexed, jsc.broadcast(assignment));
            int rounds = assignment.rounds(config.examplesPerRound());
            for (int roundInEpoch = epoch == state.epoch() ? state.roundInEpoch() : 0; roundInEpoch < rounds; roundInEpoch++) {
                Instant start = Instant.now();
                WorkerResult result = round(jsc, partitions, parameters, optimizerState, state.iteration(), epoch, roundInEpoch);
                if (result.failure != null) {
                    throw new NonFiniteException(result.failure);
                }
                parameters = result.parameterSum.scaleInPlace(1.0 / result.contributors);
                optimizerState = result.optimizerSum.scaleInPlace(1.0 / result.contributors);
                String nonFinite = parameters.firstNonFinite();
                if (nonFinite != null) {
                    throw new NonFiniteException("round " + (state.round() + 1) + ": averaged parameter '" + nonFinite + "' is not finite");
                }
                boolean lastInEpoch = roundInEpoch + 1 == rounds;
                state = new TrainerState(state.round() + 1, lastInEpoch ? epoch + 1 : epoch, lastInEpoch ? 0 : roundInEpoch + 1,
                        state.iteration() + result.maxSteps, config.seed(), config.runId(), List.of());
                roundsThisRun++;
                double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
                RoundMetrics metrics = new RoundMetrics(config.runId(), state.round(), epoch, state.iteration(),
                        result.batches.examples(), result.batches.tokens(), result.batches.meanLoss(),
                        config.optimizer().schedule().at(Math.max(0, state.iteration() - 1)),
                        result.steps == 0 ? 0 : result.gradNormSum / result.steps, result.batches.metricMeans(), seconds,
                        result.contributors == 0 ? 0 : result.computeSeconds / result.contributors);
                logRound(metrics, runStart, roundsThisRun, totalRounds - state.round());
                listener.onRound(metrics);
                history.add(metrics);
                boolean last = state.epoch() >= config.epochs();
                if (last || (config.checkpointEvery() > 0 && state.round() % config.checkpointEvery() == 0)) {
                    LOG.info("checkpoint {}", checkpoints.write(state.withLogHistory(history), parameters, optimizerState, modelWriter));
                    listener.onCheckpoint(state.round());
                }
                if (config.crashAfterRound() > 0 && state.round() == config.crashAfterRound()) {
                    throw new IllegalStateException("injected crash after round " + state.round());
                }
            }
            partitions.unpersist();
        }
        indexed.unpersist();
        return parameters;
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

    private WorkerResult round(JavaSparkContext jsc, JavaRDD<List<Tuple2<Integer, E>>> partitions, TensorBundle parameters,
                               TensorBundle optimizerState, long iteration, int epoch, int roundInEpoch) {
        Broadcast<TensorBundle> params = jsc.broadcast(parameters);
        Broadcast<TensorBundle> optimizer = jsc.broadcast(optimizerState);
        TrainingConfig config = this.config;
        ModelFactory<M> factory = modelFactory;
        Objective<E, M> objective = this.objective;
        Function2<Integer, Iterator<List<Tuple2<Integer, E>>>, Iterator<WorkerResult>> train = (partition, lists) -> {
            List<Tuple2<Integer, E>> mine = lists.hasNext() ? lists.next() : List.of();
            return List.of(trainWorker(partition, mine, params.value(), optimizer.value(), iteration, epoch, roundInEpoch,
                    config, factory, objective)).iterator();
        };
        WorkerResult result = partitions.mapPartitionsWithIndex(train, false)
                .treeAggregate(WorkerResult.empty(), WorkerResult::merge, WorkerResult::merge);
        params.destroy();
        optimizer.destroy();
        return result;
    }

    /** One worker's round: up to averagingFrequency minibatches from its data position, on a pooled model copy. */
    static <E, M extends TrainableModel> WorkerResult trainWorker(int partition, List<Tuple2<Integer, E>> examples,
                                                                   TensorBundle params, TensorBundle optimizerState,
                                                                   long iteration, int epoch, int roundInEpoch,
                                                                   TrainingConfig config, ModelFactory<M> factory,
                                                                   Objective<E, M> objective) {
        int from = roundInEpoch * config.examplesPerRound();
        if (from >= examples.size()) {
            return WorkerResult.empty();
        }
        String poolKey = config.runId() + "@" + config.output();
        long startNanos = System.nanoTime();
        M model = ModelPool.borrow(poolKey, factory::create);
        if (!params.fits(model.parameters())) {   // the run folder was started afresh with another architecture
            model = factory.create();
        }
        try {
            params.copyInto(model.parameters());
            Optimizer optimizer = new Optimizer(config.optimizer(), model);
            optimizer.loadState(optimizerState);
            WorkerResult result = new WorkerResult();
            for (int k = 0; k < config.averagingFrequency(); k++) {
                int start = from + k * config.batchSizePerWorker();
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
                optimizer.step((int) (iteration + k), epoch);
                result.batches.add(losses);
                result.gradNormSum += gradNorm;
                result.steps++;
            }
            result.parameterSum = TensorBundle.of(model.parameters());
            result.optimizerSum = optimizer.state();
            result.contributors = 1;
            result.maxSteps = result.steps;
            result.computeSeconds = (System.nanoTime() - startNanos) / 1e9;
            return result;
        } finally {
            ModelPool.giveBack(poolKey, model);
        }
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
