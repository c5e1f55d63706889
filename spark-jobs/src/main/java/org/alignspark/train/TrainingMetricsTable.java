package org.alignspark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code training_metrics} table: one row per round (run_id, round, examples, loss, throughput, and each
 * objective's own metrics in a map, e.g. {@code metrics['rewards/accuracies']}). Rows are appended when their round
 * is in a checkpoint, so a resumed run, which repeats the rounds after its last checkpoint, writes each round once; and
 * a run resumed after a crash between writing a checkpoint and appending its rows writes the missing rows from the
 * checkpoint's log history.
 */
public final class TrainingMetricsTable implements ParameterAveraging.RoundListener {
    public static final String TABLE = "training_metrics";
    private static final StructType SCHEMA = StructType.fromDDL("""
            run_id STRING NOT NULL, objective STRING NOT NULL, round INT NOT NULL, epoch INT NOT NULL,
            iteration BIGINT NOT NULL, examples BIGINT NOT NULL, tokens BIGINT NOT NULL, loss DOUBLE NOT NULL,
            learning_rate DOUBLE NOT NULL, grad_norm DOUBLE NOT NULL, seconds DOUBLE NOT NULL,
            examples_per_second DOUBLE NOT NULL, tokens_per_second DOUBLE NOT NULL, worker_seconds DOUBLE NOT NULL,
            overhead_fraction DOUBLE NOT NULL, metrics MAP<STRING, DOUBLE> NOT NULL""");

    private final SparkSession spark;
    private final Warehouse warehouse;
    private final String objective;
    private final String dt;
    private final List<ParameterAveraging.RoundMetrics> pending = new ArrayList<>();

    public TrainingMetricsTable(SparkSession spark, Warehouse warehouse, String objective, String dt) {
        this.spark = spark;
        this.warehouse = warehouse;
        this.objective = objective;
        this.dt = dt;
    }

    @Override
    public void onRound(ParameterAveraging.RoundMetrics metrics) {
        pending.add(metrics);
    }

    @Override
    public void onResume(TrainerState checkpointed) {
        java.util.Set<Integer> written = new java.util.HashSet<>();
        if (warehouse.hasPartition(TABLE, dt)) {
            warehouse.partition(TABLE, dt).filter(org.apache.spark.sql.functions.col("run_id").equalTo(checkpointed.runId()))
                    .select("round").collectAsList().forEach(r -> written.add(r.getInt(0)));
        }
        List<Row> missing = new ArrayList<>();
        for (ParameterAveraging.RoundMetrics m : checkpointed.logHistory()) {
            if (m.round() <= checkpointed.round() && !written.contains(m.round())) {
                missing.add(row(m));
            }
        }
        if (!missing.isEmpty()) {
            warehouse.appendPartition(spark.createDataFrame(missing, SCHEMA).coalesce(1), TABLE, dt);
        }
    }

    @Override
    public void onCheckpoint(int round) {
        List<Row> rows = new ArrayList<>();
        pending.removeIf(m -> {
            if (m.round() > round) {
                return false;
            }
            rows.add(row(m));
            return true;
        });
        if (!rows.isEmpty()) {
            warehouse.appendPartition(spark.createDataFrame(rows, SCHEMA).coalesce(1), TABLE, dt);
        }
    }

    private Row row(ParameterAveraging.RoundMetrics m) {
        double seconds = Math.max(1e-9, m.seconds());
        return RowFactory.create(m.runId(), objective, m.round(), m.epoch(), m.iteration(), m.examples(), m.tokens(),
                m.loss(), m.learningRate(), m.gradNorm(), m.seconds(), m.examples() / seconds, m.tokens() / seconds,
                m.workerSeconds(), m.overhead(), Map.copyOf(m.metrics()));
    }
}
