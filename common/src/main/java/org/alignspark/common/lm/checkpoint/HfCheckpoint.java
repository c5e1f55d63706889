package org.alignspark.common.lm.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.ModelFamily;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Hugging Face checkpoint folders: {@code config.json} plus {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json}. Tensor names are the model's own parameter names, as its
 * {@link ModelFamily} names them; GPT-2 files may prefix them with {@code transformer.}; Phi-3's fused
 * {@code qkv_proj} and {@code gate_up_proj} are split on load and fused again on save.
 */
public final class HfCheckpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfCheckpoint() {
    }

    /**
     * Loads a float32 model from a local path or a Hadoop URI: a Hugging Face model folder, or a PEFT adapter folder
     * as its (frozen) base with the adapter ({@link AdapterCheckpoint}), so an adapter folder works wherever a model
     * folder does.
     */
    public static CausalLM load(String location) {
        return load(location, false);
    }

    /**
     * As {@link #load(String)}; a {@code frozen} model holds no gradient buffers (inference, the shared base of LoRA
     * adapters). An adapter folder's base is always frozen, and its adapters always have gradient buffers.
     */
    public static CausalLM load(String location, boolean frozen) {
        ModelFolder folder = ModelFolder.of(location);
        if (AdapterCheckpoint.isAdapter(folder)) {
            return AdapterCheckpoint.load(location, null, DataType.FLOAT);
        }
        return load(folder, DataType.FLOAT, frozen);
    }

    public static CausalLM load(ModelFolder folder, DataType dataType) {
        return load(folder, dataType, false);
    }

    /**
     * Loads a model; a {@code frozen} one holds no gradient buffers (inference, or the shared base of LoRA
     * adapters: half the memory of a trainable one).
     */
    public static CausalLM load(ModelFolder folder, DataType dataType, boolean frozen) {
        ModelConfig config = readConfig(folder, dataType);
        CausalLM model = frozen ? CausalLM.frozen(config) : new CausalLM(config);
        Map<String, INDArray> params = model.baseParameters().values();
        Map<String, String> sourceFile = new HashMap<>();
        Map<String, INDArray> tensors = readTensors(folder, dataType, sourceFile);
        ModelFamily.TensorNames names = model.config().family().names();
        Map<String, String> fusedAs = unfuse(tensors, model, sourceFile);
        Map<String, INDArray> byName = new LinkedHashMap<>();
        Map<String, String> fileOf = new HashMap<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String prefix = names.checkpointPrefix();
            String name = !prefix.isEmpty() && e.getKey().startsWith(prefix)
                    ? e.getKey().substring(prefix.length())
                    : e.getKey();
            boolean buffer = names.buffers().stream().anyMatch(name::endsWith);
            boolean tiedHead = model.config().tieWordEmbeddings() && name.equals(names.lmHead() + ".weight");
            if (buffer || tiedHead) {
                continue;
            }
            if (!params.containsKey(name)) {
                throw new CheckpointException(sourceFile.get(e.getKey()) + ": unexpected tensor " + e.getKey()
                        + " for a " + model.config().family() + " model of " + model.config().nLayers() + " layers");
            }
            byName.put(name, e.getValue());
            fileOf.put(name, sourceFile.get(e.getKey()));
        }
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            INDArray value = byName.get(p.getKey());
            if (value == null) {
                throw new CheckpointException(folder.location() + ": missing tensor "
                        + fusedAs.getOrDefault(p.getKey(), p.getKey()) + " (expected "
                        + Arrays.toString(p.getValue().shape()) + " for " + p.getKey() + ")");
            }
            if (!Arrays.equals(value.shape(), p.getValue().shape())) {
                throw new CheckpointException(fileOf.get(p.getKey()) + ": tensor " + p.getKey() + " has shape "
                        + Arrays.toString(value.shape()) + " but config.json implies "
                        + Arrays.toString(p.getValue().shape()));
            }
            p.getValue().assign(value.castTo(dataType));
        }
        return model;
    }

    /**
     * Splits, in place, every tensor the family stores fused (Phi-3's {@code qkv_proj}, {@code gate_up_proj}) into
     * the parameters the model holds, by the parameters' row counts. Returns part name → stored name, for messages.
     */
    private static Map<String, String> unfuse(Map<String, INDArray> tensors, CausalLM model,
                                              Map<String, String> sourceFile) {
        ModelFamily.TensorNames names = model.config().family().names();
        Map<String, INDArray> params = model.baseParameters().values();
        Map<String, String> fusedAs = new HashMap<>();
        for (int l = 0; l < model.config().nLayers(); l++) {
            for (ModelFamily.FusedInFile fused : names.fusedInFile()) {
                String stored = names.layer(l) + fused.stored();
                long rows = 0;
                long columns = params.get(names.layer(l) + fused.parts().get(0)).columns();
                for (String part : fused.parts()) {
                    fusedAs.put(names.layer(l) + part, stored);
                    rows += params.get(names.layer(l) + part).rows();
                }
                INDArray value = tensors.remove(stored);
                if (value == null) {
                    continue;   // reported as missing by the caller
                }
                if (value.rank() != 2 || value.rows() != rows || value.columns() != columns) {
                    throw new CheckpointException(sourceFile.get(stored) + ": tensor " + stored + " has shape "
                            + Arrays.toString(value.shape()) + " but config.json implies [" + rows + ", " + columns
                            + "]");
                }
                long start = 0;
                for (String part : fused.parts()) {
                    long partRows = params.get(names.layer(l) + part).rows();
                    tensors.put(names.layer(l) + part, value.get(NDArrayIndex.interval(start, start + partRows),
                            NDArrayIndex.all()).dup());
                    sourceFile.put(names.layer(l) + part, sourceFile.get(stored));
                    start += partRows;
                }
            }
        }
        return fusedAs;
    }

    /** The tensors as the family's checkpoints store them: parameters in model order, fused ones concatenated. */
    static Map<String, INDArray> storedTensors(CausalLM model) {
        if (model.hasAdapters()) {
            throw new IllegalArgumentException("a model with LoRA adapters is saved as an adapter folder "
                    + "(AdapterCheckpoint) or merged first (CausalLM.merged)");
        }
        ModelFamily.TensorNames names = model.config().family().names();
        Map<String, INDArray> params = model.baseParameters().values();
        Map<String, String> storedAt = new HashMap<>();        // first part → the fused tensor's name
        Map<String, INDArray[]> fusedParts = new HashMap<>();  // fused name → its parts, in order
        for (int l = 0; l < model.config().nLayers(); l++) {
            for (ModelFamily.FusedInFile fused : names.fusedInFile()) {
                String layer = names.layer(l);
                storedAt.put(layer + fused.parts().get(0), layer + fused.stored());
                fusedParts.put(layer + fused.stored(),
                        fused.parts().stream().map(p -> params.get(layer + p)).toArray(INDArray[]::new));
                fused.parts().stream().skip(1).forEach(p -> storedAt.put(layer + p, null));
            }
        }
        Map<String, INDArray> stored = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (!storedAt.containsKey(e.getKey())) {
                stored.put(e.getKey(), e.getValue());
            } else if (storedAt.get(e.getKey()) != null) {
                String name = storedAt.get(e.getKey());
                stored.put(name, Nd4j.concat(0, fusedParts.get(name)));                // [Σ rows, in]
            }
        }
        return stored;
    }

    public static ModelConfig readConfig(ModelFolder folder, DataType dataType) {
        String file = folder.describe(CONFIG);
        try {
            if (!folder.exists(CONFIG)) {
                throw new CheckpointException(file + ": missing");
            }
            try (InputStream in = folder.open(CONFIG)) {
                return HfConfig.fromJson(JSON.readTree(in), file, dataType);
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, INDArray> readTensors(ModelFolder folder, DataType dataType,
                                                     Map<String, String> sourceFile) {
        try {
            TreeSet<String> files = new TreeSet<>();
            if (folder.exists(WEIGHTS)) {
                files.add(WEIGHTS);
            } else if (folder.exists(INDEX)) {
                JsonNode index;
                try (InputStream in = folder.open(INDEX)) {
                    index = JSON.readTree(in);
                }
                JsonNode weightMap = index.get("weight_map");
                if (weightMap == null || !weightMap.isObject()) {
                    throw new CheckpointException(folder.describe(INDEX) + ": no weight_map");
                }
                weightMap.elements().forEachRemaining(f -> files.add(f.asText()));
            } else {
                throw new CheckpointException(folder.location() + ": neither " + WEIGHTS + " nor " + INDEX
                        + " exists");
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (String f : files) {
                String described = folder.describe(f);
                if (!folder.exists(f)) {
                    throw new CheckpointException(described + ": missing (listed in " + INDEX + ")");
                }
                try (InputStream in = folder.open(f)) {
                    Map<String, INDArray> shard = SafeTensors.read(in, described, dataType);
                    for (Iterator<String> it = shard.keySet().iterator(); it.hasNext(); ) {
                        sourceFile.put(it.next(), described);
                    }
                    tensors.putAll(shard);
                }
            }
            return tensors;
        } catch (IOException e) {
            throw new CheckpointException(folder.location() + ": " + e.getMessage(), e);
        }
    }

    /** More files of a checkpoint folder, such as a tokenizer's ({@code byteTokenizer::save}). */
    @FunctionalInterface
    public interface FolderWriter {
        void writeTo(ModelFolder folder) throws IOException;
    }

    /**
     * Writes the checkpoint into a staging folder beside {@code target}, then renames it to {@code target}, so a
     * reader (or a resuming job) sees either no folder or a complete one. {@code target} must not exist.
     */
    public static void saveAtomically(CausalLM model, ModelFolder target, FolderWriter... extras) {
        try {
            ModelFolder staged = target.staging();
            save(model, staged);
            for (FolderWriter extra : extras) {
                extra.writeTo(staged);
            }
            target.moveFrom(staged);
        } catch (IOException e) {
            throw new CheckpointException(target.location() + ": cannot publish checkpoint: " + e, e);
        }
    }

    /**
     * Writes config.json and model.safetensors (float32; a tied LM head is stored once, as the embedding; tensors
     * the family stores fused, fused again).
     */
    public static void save(CausalLM model, ModelFolder folder) {
        try {
            try (OutputStream out = folder.create(CONFIG)) {
                JSON.writeValue(out, HfConfig.toJson(model.config()));
            }
            try (OutputStream out = folder.create(WEIGHTS)) {
                SafeTensors.write(storedTensors(model), out);
            }
        } catch (IOException e) {
            throw new CheckpointException(folder.location() + ": cannot write checkpoint: " + e.getMessage(), e);
        }
    }
}
