package org.alignspark.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.alignspark.warehouse.Warehouse;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The markers of a night's finished steps, {@code <work>/markers/dt=<dt>/<step>.json}: each holds the config hash the
 * step ran with and which of its outputs ({@code table:NAME}, {@code path:FOLDER}) it wrote. A step that failed
 * part-way has no marker.
 */
public final class StepMarkers {
    /** What a finished step leaves behind: its config hash and which of its outputs it wrote. */
    record Marker(String step, String job, String configHash, List<String> command, Map<String, Boolean> outputs, String finishedAt) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Warehouse warehouse;
    private final String dt;
    private final FileSystem fs;
    private final Path folder;

    public StepMarkers(Warehouse warehouse, String work, String dt) throws IOException {
        this.warehouse = warehouse;
        this.dt = dt;
        this.fs = warehouse.root().getFileSystem(warehouse.spark().sparkContext().hadoopConfiguration());
        this.folder = new Path(work, "markers/" + Warehouse.PARTITION_COLUMN + "=" + dt);
    }

    /** The warehouse's file system, on which the markers are kept. */
    public FileSystem fs() {
        return fs;
    }

    /** Complete: the step's marker has this config hash, and every output it wrote is still there. */
    public boolean complete(StepPlan step) throws IOException {
        Path file = file(step);
        if (!fs.exists(file)) {
            return false;
        }
        Marker marker;
        try (InputStream in = fs.open(file)) {
            marker = JSON.readValue(in, Marker.class);
        }
        if (!marker.configHash().equals(step.configHash()) || !marker.outputs().keySet().equals(new HashSet<>(step.outputs()))) {
            return false;
        }
        for (var output : marker.outputs().entrySet()) {
            if (output.getValue() && !exists(output.getKey())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Before a step runs: a step that finished before (with another config, or forced by --from / --only) starts its
     * folders afresh, since a training run would otherwise resume its finished checkpoints and keep the old model. A
     * step that failed part-way has no marker, and keeps its folders so training resumes where it stopped.
     */
    public void clear(StepPlan step) throws IOException {
        if (fs.exists(file(step))) {
            for (String output : step.outputs()) {
                if (output.startsWith("path:")) {
                    Path path = new Path(output.substring("path:".length()));
                    path.getFileSystem(fs.getConf()).delete(path, true);
                }
            }
        }
        fs.delete(file(step), false);
    }

    /** After a step succeeded with {@code command}: its marker, with which of its outputs are there. */
    public void finished(StepPlan step, String[] command) throws IOException {
        Map<String, Boolean> written = new LinkedHashMap<>();
        for (String output : step.outputs()) {
            written.put(output, exists(output));
        }
        try (OutputStream out = fs.create(file(step), true)) {
            JSON.writeValue(out, new Marker(step.step().name(), step.step().job(), step.configHash(), List.of(command), written,
                    Instant.now().toString()));
        }
    }

    private Path file(StepPlan step) {
        return new Path(folder, step.step().name() + ".json");
    }

    private boolean exists(String output) {
        try {
            if (output.startsWith("table:")) {
                return warehouse.hasPartition(output.substring("table:".length()), dt);
            }
            Path path = new Path(output.substring("path:".length()));
            return path.getFileSystem(fs.getConf()).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
