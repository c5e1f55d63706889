package org.alignspark.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.HfConfig;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.models.InitialModel;
import org.nd4j.linalg.api.buffer.DataType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code init-model}: writes a freshly initialised model (GPT-2's initialisation) in the Hugging Face folder layout,
 * with the byte tokenizer or a given one: the starting point of models alignspark trains from scratch, or, from a
 * published model's config.json ({@code --config}), a model of that architecture with random weights (benchmarks of
 * real-size models without their download).
 */
@Command(name = "init-model", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Write a new randomly initialised model folder: a byte-level GPT-2 or Llama of the sizes given, "
                + "or the architecture of a Hugging Face config.json.")
public final class InitModelJob implements Callable<Integer> {
    @Option(names = "--family", defaultValue = "gpt2", description = "gpt2 or llama.")
    String family;

    @Option(names = "--d-model", defaultValue = "64", description = "Hidden size.")
    int dModel;

    @Option(names = "--layers", defaultValue = "2", description = "Transformer blocks.")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (Llama: also key/value heads).")
    int heads;

    @Option(names = "--max-positions", defaultValue = "512", description = "Context length.")
    int maxPositions;

    @Option(names = "--seed", defaultValue = "42", description = "Initialisation seed.")
    long seed;

    @Option(names = "--output", required = true, description = "Model folder to write (any Hadoop path).")
    String output;

    @Option(names = "--config", description = "A Hugging Face config.json, or a folder holding one (model_type "
            + HfConfig.SUPPORTED + "), whose architecture to build; replaces --family, --d-model, --layers, --heads and --max-positions.")
    String config;

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", description = "Folder whose tokenizer.json / tokenizer_config.json the model uses (default: byte-level).")
    String tokenizer;

    @Override
    public Integer call() {
        CausalLM model;
        if (config == null) {
            model = InitialModel.write(output, family, dModel, layers, heads, maxPositions, seed, tokenizer);
        } else {
            List<String> sizes = Stream.of("--family", "--d-model", "--layers", "--heads", "--max-positions")
                    .filter(spec.commandLine().getParseResult()::hasMatchedOption).toList();
            if (!sizes.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--config gives the architecture: drop " + String.join(", ", sizes));
            }
            model = InitialModel.write(output, readConfig(config), seed, tokenizer);
        }
        System.out.printf("%s: %s model, %,d parameters%n", output, model.config().family().displayName(), model.parameters().count());
        return 0;
    }

    /** The model config of a {@code .json} file, or of a folder's config.json. */
    private static ModelConfig readConfig(String location) {
        String path = location.replaceAll("/+$", "");
        int slash = path.lastIndexOf('/');
        if (!path.endsWith(".json")) {
            return HfCheckpoint.readConfig(ModelFolder.of(path), DataType.FLOAT);
        }
        ModelFolder folder = ModelFolder.of(slash < 0 ? "." : path.substring(0, slash));
        try (InputStream in = folder.open(path.substring(slash + 1))) {
            return HfConfig.fromJson(new ObjectMapper().readTree(in), location, DataType.FLOAT);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config " + location + ": " + e.getMessage(), e);
        }
    }
}
