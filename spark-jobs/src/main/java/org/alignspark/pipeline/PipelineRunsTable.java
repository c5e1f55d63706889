package org.alignspark.pipeline;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code pipeline_runs} table: one row per step a pipeline run launched, appended to the night's partition as the
 * step ends, with its status, config hash, command line, outputs and the error of a failed step.
 */
public final class PipelineRunsTable {
    public static final String TABLE = "pipeline_runs";
    private static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("pipeline", DataTypes.StringType, false)
            .add("step", DataTypes.StringType, false)
            .add("job", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("config_hash", DataTypes.StringType, false)
            .add("command", DataTypes.StringType, false)
            .add("outputs", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("error", DataTypes.StringType, true)
            .add("started_at", DataTypes.TimestampType, false)
            .add("finished_at", DataTypes.TimestampType, false);

    private final Warehouse warehouse;
    private final String dt;

    public PipelineRunsTable(Warehouse warehouse, String dt) {
        this.warehouse = warehouse;
        this.dt = dt;
    }

    /** Appends the outcome of one step; {@code error} is null when it succeeded. */
    public void append(String runId, String pipeline, StepPlan step, String status, String[] command, String error,
                       Instant started) {
        Row row = RowFactory.create(runId, pipeline, step.step().name(), step.step().job(), status, step.configHash(),
                String.join(" ", command), step.outputs().toArray(String[]::new), error, Timestamp.from(started),
                Timestamp.from(Instant.now()));
        warehouse.appendPartition(warehouse.spark().createDataFrame(List.of(row), SCHEMA).coalesce(1), TABLE, dt);
    }
}
