package org.alignspark.common.lm.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HfCheckpointTest {
    @TempDir
    Path dir;

    private static final Batch BATCH = Batch.of(new int[] {1, 2, 3, 4}, new int[] {5, 6, 7, 8});

    private static void assertSameLogits(CausalLM expected, CausalLM actual) {
        INDArray a = expected.forward(BATCH).dup();
        INDArray b = actual.forward(BATCH).dup();
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void savedGpt2AndLlamaModelsLoadWithIdenticalOutputs() {
        for (ModelConfig config : new ModelConfig[] {ModelConfig.gpt2(32, 16, 2, 2, 16),
                ModelConfig.llama(32, 16, 2, 4, 2, 24, 16),
                ModelConfig.llama(32, 16, 1, 4, 1, 24, 16).toBuilder().qkvBias(true).tieWordEmbeddings(true).build()}) {
            CausalLM model = CausalLM.initialize(config, 7);
            Path folder = dir.resolve(config.family() + "-" + config.qkvBias());
            HfCheckpoint.save(model, ModelFolder.local(folder));
            CausalLM loaded = HfCheckpoint.load(folder.toString());
            assertEquals(config, loaded.config());
            assertSameLogits(model, loaded);
        }
    }

    @Test
    void llama3RopeScalingRoundTripsThroughConfigJson() {
        ModelConfig config = ModelConfig.llama(32, 16, 1, 2, 2, 24, 64)
                .toBuilder().ropeScaling(new ModelConfig.RopeScaling(32, 1, 4, 16)).ropeTheta(500000).build();
        CausalLM model = CausalLM.initialize(config, 2);
        Path folder = dir.resolve("llama3");
        HfCheckpoint.save(model, ModelFolder.local(folder));
        assertEquals(config, HfCheckpoint.readConfig(ModelFolder.local(folder), DataType.FLOAT));
        assertSameLogits(model, HfCheckpoint.load(folder.toString()));
    }

    @Test
    void loadsThroughHadoopFileSystem() {
        CausalLM model = CausalLM.initialize(ModelConfig.gpt2(32, 16, 1, 2, 16), 3);
        String uri = "file://" + dir.resolve("hadoop").toAbsolutePath();
        HfCheckpoint.save(model, ModelFolder.hadoop(uri));
        assertSameLogits(model, HfCheckpoint.load(ModelFolder.hadoop(uri), DataType.FLOAT));
    }

    @Test
    void atomicSavePublishesACompleteFolderAndRefusesToOverwrite() throws Exception {
        CausalLM model = CausalLM.initialize(ModelConfig.llama(32, 16, 1, 4, 2, 24, 16), 4);
        ModelFolder target = ModelFolder.local(dir.resolve("step-100"));
        HfCheckpoint.saveAtomically(model, target,
                folder -> new org.alignspark.common.tokenizer.ByteTokenizer().save(folder));
        assertSameLogits(model, HfCheckpoint.load(target.location()));
        assertTrue(target.exists("tokenizer.json"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no staging folder left behind");
        }
        CheckpointException again = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.saveAtomically(model, target));
        assertTrue(again.getMessage().contains("step-100"), again.getMessage());

        String uri = "file://" + dir.resolve("hadoop-step").toAbsolutePath();
        HfCheckpoint.saveAtomically(model, ModelFolder.hadoop(uri));
        assertSameLogits(model, HfCheckpoint.load(ModelFolder.hadoop(uri), DataType.FLOAT));
    }

    @Test
    void loadsShardedCheckpointThroughIndex() throws Exception {
        CausalLM model = CausalLM.initialize(ModelConfig.llama(32, 16, 2, 4, 2, 24, 16), 5);
        Path folder = dir.resolve("sharded");
        HfCheckpoint.save(model, ModelFolder.local(folder));
        Files.delete(folder.resolve(HfCheckpoint.WEIGHTS));
        Map<String, INDArray> first = new LinkedHashMap<>();
        Map<String, INDArray> second = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (var e : model.parameters().values().entrySet()) {
            boolean inFirst = i++ % 2 == 0;
            (inFirst ? first : second).put(e.getKey(), e.getValue());
            index.append(i > 1 ? "," : "").append('"').append(e.getKey()).append("\": \"model-0000")
                    .append(inFirst ? 1 : 2).append("-of-00002.safetensors\"");
        }
        writeSafetensors(first, folder.resolve("model-00001-of-00002.safetensors"));
        writeSafetensors(second, folder.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(folder.resolve(HfCheckpoint.INDEX), index.append("}}").toString());
        assertSameLogits(model, HfCheckpoint.load(folder.toString()));
    }

    @Test
    void acceptsGpt2NamesWithTransformerPrefix() throws Exception {
        CausalLM model = CausalLM.initialize(ModelConfig.gpt2(32, 16, 1, 2, 16), 9);
        Path folder = dir.resolve("prefixed");
        HfCheckpoint.save(model, ModelFolder.local(folder));
        Map<String, INDArray> prefixed = new LinkedHashMap<>();
        model.parameters().values().forEach((k, v) -> prefixed.put("transformer." + k, v));
        prefixed.put("transformer.h.0.attn.bias", Nd4j.ones(DataType.FLOAT, 1, 1, 16, 16));
        writeSafetensors(prefixed, folder.resolve(HfCheckpoint.WEIGHTS));
        assertSameLogits(model, HfCheckpoint.load(folder.toString()));
    }

    @Test
    void rejectsUnknownArchitectureNamingConfigFile() throws Exception {
        Path folder = dir.resolve("bert");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"bert\"}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(folder.toString()));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("bert"), e.getMessage());
    }

    private static final String LLAMA_SIZES = "\"hidden_size\": 16, \"num_hidden_layers\": 1,"
            + " \"num_attention_heads\": 2, \"intermediate_size\": 32, \"max_position_embeddings\": 16,"
            + " \"vocab_size\": 32";

    /** A config.json of {@code modelType} with valid sizes plus {@code option}, and the key its error must name. */
    static Stream<Arguments> unsupportedOptions() {
        return Stream.of(
                Arguments.of("llama", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 8.0}", "rope_scaling"),
                Arguments.of("qwen3", "\"rope_parameters\": {\"rope_type\": \"dynamic\", \"factor\": 2.0}",
                        "rope_parameters"),
                Arguments.of("llama", "\"hidden_act\": \"gelu\"", "hidden_act"),
                Arguments.of("llama", "\"mlp_bias\": true", "mlp_bias"),
                Arguments.of("llama", "\"partial_rotary_factor\": 0.5", "partial_rotary_factor"),
                Arguments.of("qwen2", "\"use_sliding_window\": true", "use_sliding_window"),
                Arguments.of("qwen3", "\"use_sliding_window\": true, \"sliding_window\": 4", "use_sliding_window"),
                Arguments.of("qwen3", "\"layer_types\": [\"sliding_attention\"]", "layer_types"),
                Arguments.of("mistral", "\"sliding_window\": 0", "sliding_window"),
                Arguments.of("phi3", "\"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [1.0],"
                        + " \"long_factor\": [4.0]}", "rope_scaling"),
                Arguments.of("phi3", "\"partial_rotary_factor\": 0.75", "partial_rotary_factor"),
                Arguments.of("gemma2", "\"hidden_activation\": \"gelu\"", "hidden_activation"),
                Arguments.of("gemma2", "\"use_bidirectional_attention\": true", "use_bidirectional_attention"),
                Arguments.of("gemma2", "\"layer_types\": [\"full_attention\"]", "layer_types"),
                Arguments.of("gemma2", "\"attn_logit_softcapping\": -1", "attn_logit_softcapping"),
                Arguments.of("mistral", "\"layer_types\": [\"full_attention\"]", "layer_types"),
                Arguments.of("gpt2", "\"scale_attn_by_inverse_layer_idx\": true", "scale_attn_by_inverse_layer_idx"),
                Arguments.of("gpt2", "\"scale_attn_weights\": false", "scale_attn_weights"),
                Arguments.of("gpt2", "\"activation_function\": \"relu\"", "activation_function"),
                Arguments.of("bert", "\"hidden_size\": 16", "model_type"));
    }

    @ParameterizedTest(name = "{0} with {2}")
    @MethodSource("unsupportedOptions")
    void rejectsUnsupportedOptionNamingFileAndKey(String modelType, String option, String key) throws Exception {
        Path folder = dir.resolve(modelType + "-" + key);
        Files.createDirectories(folder);
        String sizes = modelType.equals("gpt2")
                ? "\"n_embd\": 16, \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 16, \"vocab_size\": 32"
                : LLAMA_SIZES;
        Files.writeString(folder.resolve("config.json"),
                "{\"model_type\": \"" + modelType + "\", " + sizes + ", " + option + "}");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.readConfig(ModelFolder.local(folder), DataType.FLOAT));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains(key), e.getMessage());
        // the same sizes without the option load
        if (!modelType.equals("bert")) {
            Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"" + modelType + "\", " + sizes + "}");
            HfCheckpoint.readConfig(ModelFolder.local(folder), DataType.FLOAT);
        }
    }

    @Test
    void absentKeysTakeTheDefaultsOfTransformersConfigClasses() throws Exception {
        // Gemma2Config: head_dim 256, query_pre_attn_scalar 256, caps 50 / 30, sliding_window 4096, tied;
        // MistralConfig: sliding_window 4096; Phi3Config: sliding_window None
        Map<String, ModelConfig> read = new LinkedHashMap<>();
        for (String type : new String[] {"gemma2", "mistral", "phi3"}) {
            Path folder = dir.resolve("defaults-" + type);
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"" + type + "\", " + LLAMA_SIZES + "}");
            read.put(type, HfCheckpoint.readConfig(ModelFolder.local(folder), DataType.FLOAT));
        }
        ModelConfig gemma = read.get("gemma2");
        assertEquals(256, gemma.headDim());
        assertEquals(256.0, gemma.queryPreAttnScalar());
        assertEquals(50.0, gemma.attnLogitSoftcap());
        assertEquals(30.0, gemma.finalLogitSoftcap());
        assertEquals(4096, gemma.slidingWindow());
        assertEquals(List.of(4096, 0), List.of(gemma.slidingWindow(0), gemma.slidingWindow(1)));
        assertTrue(gemma.tieWordEmbeddings());
        assertEquals(4096, read.get("mistral").slidingWindow());
        assertEquals(0, read.get("phi3").slidingWindow());

        Path nulls = dir.resolve("gemma2-nulls");
        Files.createDirectories(nulls);
        Files.writeString(nulls.resolve("config.json"), "{\"model_type\": \"gemma2\", " + LLAMA_SIZES
                + ", \"sliding_window\": null, \"attn_logit_softcapping\": null, \"final_logit_softcapping\": null}");
        ModelConfig uncapped = HfCheckpoint.readConfig(ModelFolder.local(nulls), DataType.FLOAT);
        assertEquals(List.of(0, 0.0, 0.0), List.of(uncapped.slidingWindow(), uncapped.attnLogitSoftcap(),
                uncapped.finalLogitSoftcap()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2", "qwen3", "mistral", "phi3", "gemma2"})
    void savedGoldenCheckpointKeepsHuggingFaceNamesShapesAndModelType(String name) throws Exception {
        Path golden = Path.of(getClass().getResource("/golden/" + name).toURI());
        CausalLM model = HfCheckpoint.load(golden.toString());
        Path saved = dir.resolve(name);
        HfCheckpoint.save(model, ModelFolder.local(saved));
        assertEquals(shapes(golden.resolve(HfCheckpoint.WEIGHTS)), shapes(saved.resolve(HfCheckpoint.WEIGHTS)));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var original = json.readTree(golden.resolve(HfCheckpoint.CONFIG).toFile());
        var written = json.readTree(saved.resolve(HfCheckpoint.CONFIG).toFile());
        for (String key : new String[] {"model_type", "architectures", "head_dim", "tie_word_embeddings",
                "sliding_window", "query_pre_attn_scalar", "attn_logit_softcapping", "final_logit_softcapping"}) {
            if (original.has(key)) {   // qwen2's file has no head_dim; writing the implied one is harmless
                assertEquals(valueOf(original.get(key)), valueOf(written.get(key)), name + " " + key);
            }
        }
        CausalLM reloaded = HfCheckpoint.load(saved.toString());
        assertEquals(model.config(), reloaded.config());
        assertSameLogits(model, reloaded);
    }

    @Test
    void phi3KeepsFusedProjectionsInItsFilesAndSplitsThemInMemory() throws Exception {
        Path golden = Path.of(getClass().getResource("/golden/phi3").toURI());
        CausalLM model = HfCheckpoint.load(golden.toString());
        Map<String, INDArray> params = model.parameters().values();
        Map<String, INDArray> file;
        try (var in = Files.newInputStream(golden.resolve(HfCheckpoint.WEIGHTS))) {
            file = SafeTensors.read(in, "model.safetensors", DataType.FLOAT);
        }
        // qkv_proj rows [q (4 heads × 8) | k (2 × 8) | v (2 × 8)]; gate_up_proj rows [gate (64) | up (64)]
        INDArray qkv = file.get("model.layers.1.self_attn.qkv_proj.weight");
        INDArray gateUp = file.get("model.layers.1.mlp.gate_up_proj.weight");
        assertEquals(qkv.get(NDArrayIndex.interval(0, 32), NDArrayIndex.all()),
                params.get("model.layers.1.self_attn.q_proj.weight"));
        assertEquals(qkv.get(NDArrayIndex.interval(32, 48), NDArrayIndex.all()),
                params.get("model.layers.1.self_attn.k_proj.weight"));
        assertEquals(qkv.get(NDArrayIndex.interval(48, 64), NDArrayIndex.all()),
                params.get("model.layers.1.self_attn.v_proj.weight"));
        assertEquals(gateUp.get(NDArrayIndex.interval(0, 64), NDArrayIndex.all()),
                params.get("model.layers.1.mlp.gate_proj.weight"));
        assertEquals(gateUp.get(NDArrayIndex.interval(64, 128), NDArrayIndex.all()),
                params.get("model.layers.1.mlp.up_proj.weight"));

        Path saved = dir.resolve("phi3");
        HfCheckpoint.save(model, ModelFolder.local(saved));
        Map<String, INDArray> written;
        try (var in = Files.newInputStream(saved.resolve(HfCheckpoint.WEIGHTS))) {
            written = SafeTensors.read(in, "model.safetensors", DataType.FLOAT);
        }
        assertEquals(file.keySet(), written.keySet());
        file.forEach((name, value) -> assertEquals(value, written.get(name), name));   // bit for bit

        Map<String, INDArray> broken = new LinkedHashMap<>(file);
        broken.put("model.layers.0.self_attn.qkv_proj.weight", Nd4j.zeros(DataType.FLOAT, 48, 32));
        writeSafetensors(broken, saved.resolve(HfCheckpoint.WEIGHTS));
        CheckpointException shape = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(saved.toString()));
        assertTrue(shape.getMessage().contains("model.layers.0.self_attn.qkv_proj.weight")
                && shape.getMessage().contains("[64, 32]"), shape.getMessage());
        broken.remove("model.layers.0.mlp.gate_up_proj.weight");
        broken.put("model.layers.0.self_attn.qkv_proj.weight", file.get("model.layers.0.self_attn.qkv_proj.weight"));
        writeSafetensors(broken, saved.resolve(HfCheckpoint.WEIGHTS));
        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.load(saved.toString()));
        assertTrue(missing.getMessage().contains("missing tensor model.layers.0.mlp.gate_up_proj.weight"),
                missing.getMessage());
    }

    /** A config value for comparison: numbers by value (1 = 1.0), absent as null. */
    private static String valueOf(com.fasterxml.jackson.databind.JsonNode value) {
        return value == null || value.isNull() ? "null" : value.isNumber() ? String.valueOf(value.asDouble())
                : value.toString();
    }

    /** Tensor name → shape, as stored in a safetensors file. */
    private static Map<String, List<Long>> shapes(Path file) throws Exception {
        Map<String, List<Long>> shapes = new TreeMap<>();
        try (var in = Files.newInputStream(file)) {
            SafeTensors.read(in, file.toString(), DataType.FLOAT).forEach((k, v) ->
                    shapes.put(k, java.util.Arrays.stream(v.shape()).boxed().toList()));
        }
        return shapes;
    }

    @Test
    void rejectsFolderWithoutConfigOrWeights() throws Exception {
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        CheckpointException noConfig = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.load(empty.toString()));
        assertTrue(noConfig.getMessage().contains("config.json"), noConfig.getMessage());

        CausalLM model = CausalLM.initialize(ModelConfig.gpt2(32, 16, 1, 2, 16), 1);
        Path noWeights = dir.resolve("no-weights");
        HfCheckpoint.save(model, ModelFolder.local(noWeights));
        Files.delete(noWeights.resolve(HfCheckpoint.WEIGHTS));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(noWeights.toString()));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void rejectsShapeMismatchNamingFileAndTensor() throws Exception {
        CausalLM small = CausalLM.initialize(ModelConfig.gpt2(32, 16, 1, 2, 16), 1);
        CausalLM wider = CausalLM.initialize(ModelConfig.gpt2(40, 16, 1, 2, 16), 1);
        Path folder = dir.resolve("mismatch");
        HfCheckpoint.save(small, ModelFolder.local(folder));
        writeSafetensors(wider.parameters().values(), folder.resolve(HfCheckpoint.WEIGHTS));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(folder.toString()));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("wte.weight")
                && e.getMessage().contains("[40, 16]"), e.getMessage());
    }

    @Test
    void rejectsMissingTensorNamingIt() throws Exception {
        CausalLM model = CausalLM.initialize(ModelConfig.llama(32, 16, 1, 4, 2, 24, 16), 1);
        Path folder = dir.resolve("missing");
        HfCheckpoint.save(model, ModelFolder.local(folder));
        Map<String, INDArray> partial = new LinkedHashMap<>(model.parameters().values());
        partial.remove("model.layers.0.mlp.up_proj.weight");
        writeSafetensors(partial, folder.resolve(HfCheckpoint.WEIGHTS));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(folder.toString()));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.up_proj.weight"), e.getMessage());
    }

    @Test
    void rejectsCorruptAndTruncatedSafetensorsNamingFileAndTensor() throws Exception {
        CausalLM model = CausalLM.initialize(ModelConfig.gpt2(32, 16, 1, 2, 16), 1);
        Path folder = dir.resolve("corrupt");
        HfCheckpoint.save(model, ModelFolder.local(folder));
        Path weights = folder.resolve(HfCheckpoint.WEIGHTS);
        byte[] good = Files.readAllBytes(weights);

        Files.write(weights, java.util.Arrays.copyOf(good, good.length - 10));
        CheckpointException truncated = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.load(folder.toString()));
        assertTrue(truncated.getMessage().contains("model.safetensors")
                && truncated.getMessage().contains("ln_f.bias"), truncated.getMessage());

        byte[] badJson = good.clone();
        badJson[8] = 'x';
        Files.write(weights, badJson);
        CheckpointException header = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.load(folder.toString()));
        assertTrue(header.getMessage().contains("model.safetensors")
                && header.getMessage().contains("corrupt safetensors header"), header.getMessage());

        byte[] hugeLength = good.clone();
        ByteBuffer.wrap(hugeLength).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
        Files.write(weights, hugeLength);
        assertThrows(CheckpointException.class, () -> HfCheckpoint.load(folder.toString()));
    }

    @Test
    void readsHalfBfloatAndDoubleTensors() throws Exception {
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[10,18]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + h.length + 18).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(h.length).put(h);
        file.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x3555);   // 1, −2, ≈1/3
        file.putShort((short) 0x3f80).putShort((short) 0x4049);                             // 1, ≈3.140625
        file.putDouble(0.125);
        Map<String, INDArray> t = SafeTensors.read(new ByteArrayInputStream(file.array()), "mixed.safetensors",
                DataType.DOUBLE);
        assertArrayEquals(new double[] {1, -2, 0.333251953125}, t.get("h").toDoubleVector(), 0);
        assertArrayEquals(new double[] {1, 3.140625}, t.get("b").toDoubleVector(), 0);
        assertEquals(0.125, t.get("d").getDouble(0, 0), 0);
    }

    @Test
    void writtenFileHasAlignedHeaderAndFloat32Data() throws Exception {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("a", Nd4j.create(new double[] {1.5, -2}, new long[] {2}, DataType.DOUBLE));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(tensors, out);
        byte[] bytes = out.toByteArray();
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        assertEquals(8 + headerLength + 8, bytes.length);
        assertEquals(-2f, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat((int) (8 + headerLength + 4)));
    }

    private static void writeSafetensors(Map<String, INDArray> tensors, Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            SafeTensors.write(tensors, out);
        }
    }
}
