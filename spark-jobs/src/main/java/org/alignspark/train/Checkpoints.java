package org.alignspark.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.lm.checkpoint.SafeTensors;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.train.TensorBundle;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Checkpoint folders {@code checkpoint-NNNNNN} under a run's output: the model's files, the driver's optimizer state
 * and {@code trainer_state.json}. The driver's optimizer state depends on the run's averaging mode, which
 * trainer_state.json records: the averaged Adam moments in {@code optimizer.safetensors} ({@code --averaging dl4j}), or
 * the outer step's momentum buffer in {@code outer_momentum.safetensors} ({@code --averaging outer}; the workers' own
 * Adam moments live on the executors only and are not checkpointed, so a resumed run starts them afresh). Each is written into a temporary folder and renamed into place, so a folder with
 * that name is always complete; the newest one is where a restarted run resumes.
 */
public final class Checkpoints {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String OUTER_MOMENTUM_FILE = "outer_momentum.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    private static final String PREFIX = "checkpoint-";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes the model's own files (weights, config, tokenizer) into a checkpoint folder. */
    public interface ModelWriter extends java.io.Serializable {
        void write(TensorBundle parameters, FileSystem fs, Path folder) throws IOException;

        /**
         * A causal LM as a Hugging Face folder (config.json, model.safetensors) with the tokenizer files of
         * {@code tokenizerFolder}; {@code scratch} (driver-side, same architecture) receives the parameters first.
         */
        static ModelWriter causalLm(CausalLM scratch, String tokenizerFolder) {
            return (parameters, fs, folder) -> {
                parameters.copyInto(scratch.parameters().values());
                ModelFolder target = ModelFolder.of(folder.toString());
                HfCheckpoint.save(scratch, target);
                RewardModelFolder.copyTokenizer(ModelFolder.of(tokenizerFolder), target);
            };
        }
    }

    /**
     * A complete checkpoint as read back; {@code optimizer} is the driver's optimizer state of the checkpoint's
     * averaging mode (Adam moments for dl4j, the outer momentum buffer for outer).
     */
    public record Loaded(Path folder, TrainerState state, TensorBundle parameters, TensorBundle optimizer) {}

    private final Path output;
    private final FileSystem fs;

    public Checkpoints(String output, Configuration conf) {
        try {
            Path path = new Path(output);
            this.fs = path.getFileSystem(conf);
            this.output = fs.makeQualified(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + output, e);
        }
    }

    public Path output() {
        return output;
    }

    public Path write(TrainerState state, TensorBundle parameters, TensorBundle optimizer, ModelWriter model) {
        String name = String.format(java.util.Locale.ROOT, "%s%06d", PREFIX, state.round());
        Path finalFolder = new Path(output, name);
        Path temporary = new Path(output, "." + name + ".tmp");
        try {
            fs.delete(temporary, true);
            fs.mkdirs(temporary);
            model.write(parameters, fs, temporary);
            writeTensors(optimizer, fs, new Path(temporary, optimizerFile(state.averagingMode())));
            try (OutputStream out = fs.create(new Path(temporary, STATE_FILE), true)) {
                JSON.writeValue(out, state);
            }
            fs.delete(finalFolder, true);
            if (!fs.rename(temporary, finalFolder)) {
                throw new IOException("cannot rename " + temporary + " to " + finalFolder);
            }
            return finalFolder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + finalFolder, e);
        }
    }

    /**
     * {@code location}, checked on the driver before any task loads it: its config.json reads as a model's. A
     * training run's folder (checkpoints, no model of its own yet) is named as one, with its newest checkpoint, and
     * any other problem is one line: a bad model fails once here, not once per executor task.
     */
    public static String checkModelFolder(String option, String location) {
        try {
            HfCheckpoint.readConfig(ModelFolder.of(location), DataType.FLOAT);
            return location;
        } catch (RuntimeException e) {
            Optional<Path> newest;
            try {
                Path folder = new Path(location);
                newest = latestFolder(folder.getFileSystem(new Configuration()), folder);
            } catch (IOException | RuntimeException listing) {
                newest = Optional.empty();
            }
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new IllegalArgumentException(newest.map(checkpoint -> option + " " + location
                    + " is a training run's folder, not a model: pass its newest checkpoint, " + checkpoint)
                    .orElse(option + " " + location + " is not a model folder (" + reason + ")"), e);
        }
    }

    /** The newest complete checkpoint folder under a run folder, if any, without reading it. */
    public static Optional<Path> latestFolder(FileSystem fs, Path output) throws IOException {
        if (!fs.exists(output)) {
            return Optional.empty();
        }
        return Arrays.stream(fs.listStatus(output, p -> p.getName().startsWith(PREFIX)))
                .filter(FileStatus::isDirectory)
                .map(FileStatus::getPath)
                .filter(folder -> {
                    try {
                        return fs.exists(new Path(folder, STATE_FILE));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .max(Comparator.comparing(Path::getName));
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Loaded> latest() {
        try {
            Optional<Path> newest = latestFolder(fs, output);
            if (newest.isEmpty()) {
                return Optional.empty();
            }
            Path folder = newest.get();
            TrainerState state;
            try (InputStream in = fs.open(new Path(folder, STATE_FILE))) {
                state = JSON.readValue(in, TrainerState.class);
            }
            // the files hold float32 (writeTensors), so a resumed run sends what the uninterrupted run sent: float32
            return Optional.of(new Loaded(folder, state, readModelTensors(fs, folder).inFloat32(),
                    readTensors(fs, new Path(folder, optimizerFile(state.averagingMode()))).inFloat32()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoints under " + output, e);
        }
    }

    private static String optimizerFile(Averaging.Mode mode) {
        return mode == Averaging.Mode.OUTER ? OUTER_MOMENTUM_FILE : OPTIMIZER_FILE;
    }

    static void writeTensors(TensorBundle bundle, FileSystem fs, Path file) throws IOException {
        try (OutputStream out = fs.create(file, true)) {
            SafeTensors.write(bundle.toArrays(DataType.FLOAT), out);
        }
    }

    /**
     * The model's parameters as the {@link ModelWriter} left them: every safetensors file of the checkpoint but the
     * optimizer's (either mode's). A model is not always one file: a reward model keeps its head in score.safetensors next to the
     * LM's model.safetensors, and resuming needs all of them.
     */
    static TensorBundle readModelTensors(FileSystem fs, Path folder) throws IOException {
        FileStatus[] files = fs.listStatus(folder, p -> p.getName().endsWith(".safetensors")
                && !p.getName().equals(OPTIMIZER_FILE) && !p.getName().equals(OUTER_MOMENTUM_FILE));
        Arrays.sort(files, Comparator.comparing(f -> f.getPath().getName()));
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> tensors = new java.util.LinkedHashMap<>();
        for (FileStatus file : files) {
            try (InputStream in = fs.open(file.getPath())) {
                for (var tensor : SafeTensors.read(in, file.getPath().toString(), DataType.DOUBLE).entrySet()) {
                    if (tensors.put(tensor.getKey(), tensor.getValue()) != null) {
                        throw new IOException(folder + ": tensor " + tensor.getKey() + " is in more than one file");
                    }
                }
            }
        }
        if (tensors.isEmpty()) {
            throw new IOException(folder + ": no model tensors (*.safetensors besides " + OPTIMIZER_FILE + ")");
        }
        return TensorBundle.of(tensors);
    }

    static TensorBundle readTensors(FileSystem fs, Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return TensorBundle.of(SafeTensors.read(in, file.toString(), DataType.DOUBLE));
        }
    }
}
