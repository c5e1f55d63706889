package org.alignspark.common.lm.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PEFT adapter folders: the committed adapters (tools/golden/make_lora_golden.py: plain PyTorch, LoRA's formula from
 * the paper) on the committed golden base models give the reference's logits, log-probs and hidden states within
 * 1e-5, merged or not; written adapters keep PEFT's names, shapes and config keys.
 */
class AdapterCheckpointTest {
    private static final double TOLERANCE = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private static Path golden(String name) throws Exception {
        return Path.of(AdapterCheckpointTest.class.getResource("/golden/" + name).toURI());
    }

    private static Map<String, INDArray> reference(String adapter) throws Exception {
        try (InputStream in = Files.newInputStream(golden(adapter).resolve("golden.safetensors"))) {
            return SafeTensors.read(in, "golden.safetensors", DataType.DOUBLE);
        }
    }

    /** Max abs error over real positions of logits, hidden states and log-probs against the reference. */
    static double maxError(CausalLM model, Map<String, INDArray> golden) {
        int[][] tokens = golden.get("input_ids").toIntMatrix();
        int[][] mask = golden.get("attention_mask").toIntMatrix();
        model.forward(new Batch(tokens, mask));
        INDArray logProbs = model.logProbs(model.nextTokenTargets());
        double error = 0;
        for (int b = 0; b < tokens.length; b++) {
            for (int t = 0; t < tokens[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                error = Math.max(error, diff(model.logits().slice(b).slice(t), golden.get("logits").slice(b).slice(t)));
                error = Math.max(error, diff(model.hiddenStates().slice(b).slice(t),
                        golden.get("hidden_states").slice(b).slice(t)));
                if (t + 1 < tokens[b].length && mask[b][t + 1] == 1) {
                    error = Math.max(error, Math.abs(logProbs.getDouble(b, t) - golden.get("log_probs").getDouble(b, t)));
                }
            }
        }
        return error;
    }

    private static double diff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-llama", "lora-gpt2"})
    void peftAdapterOnItsBaseMatchesTheIndependentReference(String adapter) throws Exception {
        // base_model_name_or_path "../llama" resolves against the adapter folder
        CausalLM model = AdapterCheckpoint.load(golden(adapter).toString(), null, DataType.DOUBLE);
        assertTrue(model.hasAdapters());
        double error = maxError(model, reference(adapter));
        assertTrue(error <= TOLERANCE, adapter + " max abs error " + error);
        // and the adapter matters: the base alone is far from the reference
        assertTrue(maxError(model.withoutAdapters(), reference(adapter)) > 1e-2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-llama", "lora-gpt2"})
    void mergedWeightsGiveTheReferenceOutputsAfterAHuggingFaceRoundTrip(String adapter) throws Exception {
        CausalLM model = AdapterCheckpoint.load(golden(adapter).toString(), null, DataType.DOUBLE);
        CausalLM merged = model.merged();
        assertTrue(!merged.hasAdapters());
        HfCheckpoint.save(merged, ModelFolder.local(temp.resolve("merged")));
        CausalLM reloaded = HfCheckpoint.load(ModelFolder.local(temp.resolve("merged")), DataType.DOUBLE);
        double error = maxError(reloaded, reference(adapter));
        assertTrue(error <= TOLERANCE, adapter + " merged max abs error " + error);
    }

    @Test
    void writesPeftNamesShapesAndConfigKeys() throws Exception {
        CausalLM base = HfCheckpoint.load(ModelFolder.local(golden("gpt2")), DataType.FLOAT, true);
        CausalLM model = base.withLora(new LoraConfig(3, 12, 0.1, List.of()), 5);
        model.parameters().values().get("base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight").assign(0.25);
        Path out = temp.resolve("adapter");
        AdapterCheckpoint.save(model, ModelFolder.local(out), "gpt2-base", "CAUSAL_LM", Map.of());
        JsonNode config = JSON.readTree(out.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(3, config.get("r").asInt());
        assertEquals(12.0, config.get("lora_alpha").asDouble());
        assertEquals(0.1, config.get("lora_dropout").asDouble());
        assertEquals("none", config.get("bias").asText());
        assertEquals("CAUSAL_LM", config.get("task_type").asText());
        assertTrue(config.get("fan_in_fan_out").asBoolean());
        assertTrue(config.get("modules_to_save").isNull());
        assertEquals("gpt2-base", config.get("base_model_name_or_path").asText());
        assertEquals(List.of("c_attn", "c_proj", "c_fc"),
                List.of(config.get("target_modules").get(0).asText(), config.get("target_modules").get(1).asText(),
                        config.get("target_modules").get(2).asText()));
        // the golden gpt2: d 32, 4d 128; GPT2LMHeadModel's module path is transformer.h.<i>...
        Map<String, List<Long>> shapes = new TreeMap<>();
        try (InputStream in = Files.newInputStream(out.resolve("adapter_model.safetensors"))) {
            SafeTensors.read(in, "adapter", DataType.FLOAT).forEach((k, v) -> shapes.put(k,
                    java.util.Arrays.stream(v.shape()).boxed().toList()));
        }
        assertEquals(16, shapes.size());
        assertEquals(List.of(3L, 32L), shapes.get("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"));
        assertEquals(List.of(96L, 3L), shapes.get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"));
        assertEquals(List.of(3L, 128L), shapes.get("base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight"));
        assertEquals(List.of(128L, 3L), shapes.get("base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight"));
        // reading it back gives the same model
        CausalLM back = AdapterCheckpoint.load(out.toString(), golden("gpt2").toString(), DataType.FLOAT);
        Batch batch = new Batch(new int[][] {{5, 17, 42, 3}}, new int[][] {{1, 1, 1, 1}});
        INDArray expected = model.forward(batch).dup();
        assertEquals(expected, back.forward(batch));
        assertTrue(diff(expected, base.forward(batch)) > 1e-3);
    }

    @Test
    void modulesToSaveAreStoredWholeUnderTheirOwnNames() throws Exception {
        CausalLM base = HfCheckpoint.load(ModelFolder.local(golden("llama")), DataType.FLOAT, true);
        CausalLM model = base.withLora(new LoraConfig(2, 4, 0.0, List.of("q_proj")), 1);
        INDArray score = org.nd4j.linalg.factory.Nd4j.linspace(1, 32, 32, DataType.FLOAT).reshape(1, 32);
        Path out = temp.resolve("rm");
        AdapterCheckpoint.save(model, ModelFolder.local(out), "base", "SEQ_CLS", Map.of("score.weight", score));
        JsonNode config = JSON.readTree(out.resolve("adapter_config.json").toFile());
        assertEquals("score", config.get("modules_to_save").get(0).asText());
        assertEquals("SEQ_CLS", config.get("task_type").asText());
        INDArray read = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, 1, 32);
        AdapterCheckpoint.load(ModelFolder.local(out), base, Map.of("score.weight", read));
        assertEquals(score, read);
    }

    private Path writeConfig(String json) throws Exception {
        Path folder = Files.createDirectories(temp.resolve("bad" + System.nanoTime()));
        Files.copy(golden("lora-llama").resolve("adapter_model.safetensors"), folder.resolve("adapter_model.safetensors"));
        Files.writeString(folder.resolve("adapter_config.json"), json);
        return folder;
    }

    @Test
    void rejectsWhatItCannotReadInOneLine() throws Exception {
        String base = golden("llama").toString();
        Path regex = writeConfig("{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":\".*proj\"}");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> AdapterCheckpoint.load(regex.toString(), base, DataType.FLOAT));
        assertTrue(e.getMessage().contains("regular expression"), e.getMessage());
        Path ia3 = writeConfig("{\"peft_type\":\"IA3\",\"target_modules\":[\"q_proj\"]}");
        e = assertThrows(CheckpointException.class, () -> AdapterCheckpoint.load(ia3.toString(), base, DataType.FLOAT));
        assertTrue(e.getMessage().contains("peft_type IA3 is not supported"), e.getMessage());
        Path fewer = writeConfig("{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q_proj\"]}");
        e = assertThrows(CheckpointException.class, () -> AdapterCheckpoint.load(fewer.toString(), base, DataType.FLOAT));
        assertTrue(e.getMessage().contains("unexpected tensor base_model.model.model.layers.0.self_attn.k_proj"),
                e.getMessage());
        Path noBase = writeConfig("{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q_proj\"]}");
        e = assertThrows(CheckpointException.class, () -> AdapterCheckpoint.load(noBase.toString(), null, DataType.FLOAT));
        assertTrue(e.getMessage().contains("no base_model_name_or_path"), e.getMessage());
        Path hub = writeConfig("{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q_proj\"],"
                + "\"base_model_name_or_path\":\"/no/such/Qwen2.5-0.5B\"}");
        e = assertThrows(CheckpointException.class, () -> AdapterCheckpoint.load(hub.toString(), null, DataType.FLOAT));
        assertTrue(e.getMessage().contains("--base-model"), e.getMessage());
    }
}
