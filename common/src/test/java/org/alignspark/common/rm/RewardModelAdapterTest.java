package org.alignspark.common.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.lm.checkpoint.SafeTensors;
import org.alignspark.common.objectives.BradleyTerryLoss;
import org.alignspark.common.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A reward model with LoRA adapters on its LM and the whole head, as PEFT's SEQ_CLS adapters keep it
 * ({@code modules_to_save}): the committed adapter golden/lora-rm-llama (tools/golden/make_lora_golden.py, plain PyTorch,
 * LoRA's formula from the paper) gives the reference's scores; saved folders carry PEFT's names and config keys;
 * gradients reach the adapters and the head only and match central differences.
 */
class RewardModelAdapterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private static Path golden(String name) throws Exception {
        return Path.of(RewardModelAdapterTest.class.getResource("/golden/" + name).toURI());
    }

    private static Map<String, INDArray> reference() throws Exception {
        try (InputStream in = Files.newInputStream(golden("lora-rm-llama").resolve("golden.safetensors"))) {
            return SafeTensors.read(in, "golden.safetensors", DataType.DOUBLE);
        }
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    @Test
    void peftSeqClsAdapterScoresAsTheIndependentReference() throws Exception {
        Map<String, INDArray> golden = reference();
        Batch batch = new Batch(golden.get("input_ids").toIntMatrix(), golden.get("attention_mask").toIntMatrix());
        // base_model_name_or_path "../llama" resolves against the adapter folder; modules_to_save ["classifier", "score"]
        RewardModel model = RewardModelFolder.load(golden("lora-rm-llama").toString(), DataType.DOUBLE);
        assertTrue(model.lm().hasAdapters());
        INDArray scores = model.scores(batch).dup();
        double error = maxDiff(scores, golden.get("scores"));
        assertTrue(error <= 1e-5, "scores " + scores + " vs " + golden.get("scores") + ": " + error);
        // the adapters matter: the same head on the base alone scores otherwise
        RewardModel baseOnly = new RewardModel(model.lm().withoutAdapters(), model.head());
        assertTrue(maxDiff(baseOnly.scores(batch), golden.get("scores")) > 1e-2);
        // and so does the head: it is the file's, not a fresh one
        assertEquals(List.of(1L, 32L), List.of(model.head().shape()[0], model.head().shape()[1]));
    }

    @Test
    void savedAdapterFolderHasPeftNamesAndReadsBackAsTheSameRewardModel() throws Exception {
        Path base = golden("gpt2");
        CausalLM lm = HfCheckpoint.load(ModelFolder.local(base), DataType.FLOAT, true)
                .withLora(new LoraConfig(3, 6, 0.0, List.of()), 2);
        for (var e : lm.parameters().values().entrySet()) {               // trained-looking: B ≠ 0
            e.getValue().assign(Nd4j.randn(7, e.getValue().shape()).castTo(DataType.FLOAT).muli(0.3));
        }
        RewardModel model = new RewardModel(lm, RewardModel.initialHead(1, 32, DataType.FLOAT, 3));
        assertTrue(model.parameters().containsKey("base_model.model.score.weight"));
        Path out = temp.resolve("rm-adapter");
        RewardLayout layout = RewardLayout.of("role-swapped", "Judge this.");
        RewardModelFolder.saveAdapter(model, layout, base.toString(), ModelFolder.local(base), ModelFolder.local(out));

        JsonNode config = JSON.readTree(out.resolve("adapter_config.json").toFile());
        assertEquals("SEQ_CLS", config.get("task_type").asText());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals("[\"score\"]", config.get("modules_to_save").toString());
        assertEquals(base.toString(), config.get("base_model_name_or_path").asText());
        assertTrue(config.get("fan_in_fan_out").asBoolean(), "GPT-2's Conv1D");
        TreeSet<String> names;
        try (InputStream in = Files.newInputStream(out.resolve("adapter_model.safetensors"))) {
            names = new TreeSet<>(SafeTensors.read(in, "adapter", DataType.FLOAT).keySet());
        }
        TreeSet<String> expected = new TreeSet<>(List.of("base_model.model.score.weight"));
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")) {
                expected.add("base_model.model.transformer.h." + l + "." + m + ".lora_A.weight");
                expected.add("base_model.model.transformer.h." + l + "." + m + ".lora_B.weight");
            }
        }
        assertEquals(expected, names);
        assertTrue(Files.notExists(out.resolve("model.safetensors")), "no copy of the base");
        assertTrue(Files.notExists(out.resolve(RewardModelFolder.HEAD_FILE)), "the head is in the adapter file");
        assertEquals(layout, RewardModelFolder.layout(out.toString()));

        RewardModel back = RewardModelFolder.load(out.toString(), DataType.FLOAT);
        Batch batch = new Batch(new int[][] {{5, 17, 42, 3}, {9, 8, 0, 0}}, new int[][] {{1, 1, 1, 1}, {1, 1, 0, 0}});
        INDArray expectedScores = model.scores(batch).dup();
        assertEquals(expectedScores, back.scores(batch));
        // the folder loads as its LM too (base + adapters), as a reward model folder does
        assertEquals(lm.forward(batch).dup(), HfCheckpoint.load(out.toString()).forward(batch));
    }

    @Test
    void aCausalLmAdapterIsNotARewardModel() throws Exception {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> RewardModelFolder.load(golden("lora-llama").toString(), DataType.FLOAT));
        assertTrue(e.getMessage().contains("task_type CAUSAL_LM is not a reward model's (SEQ_CLS)"), e.getMessage());
    }

    @Test
    void gradientsReachTheAdaptersAndTheHeadOnlyAndMatchCentralDifferences() throws Exception {
        CausalLM base = HfCheckpoint.load(ModelFolder.local(golden("llama")), DataType.DOUBLE, true);
        CausalLM lm = base.withLora(new LoraConfig(2, 4, 0.0, List.of("q_proj", "v_proj", "down_proj")), 5);
        long seed = 21;
        for (var e : lm.parameters().values().entrySet()) {
            e.getValue().assign(Nd4j.randn(seed++, e.getValue().shape()).castTo(DataType.DOUBLE).muli(0.3));
        }
        RewardModel model = new RewardModel(lm, RewardModel.initialHead(1, 32, DataType.DOUBLE, 6));
        List<String> trained = new ArrayList<>(lm.parameters().values().keySet());
        trained.add(RewardModel.PEFT_HEAD);
        assertEquals(trained, List.copyOf(model.parameters().keySet()));
        assertTrue(lm.baseParameters().gradients().isEmpty(), "the frozen base has no gradient buffers");
        Map<String, INDArray> before = new java.util.HashMap<>();
        base.baseParameters().values().forEach((k, v) -> before.put(k, v.dup()));
        List<RewardPair> pairs = List.of(new RewardPair("a", new int[] {1, 5, 7, 3}, new int[] {1, 5, 7, 9, 4}, 1.0),
                new RewardPair("b", new int[] {2, 6, 3}, new int[] {2, 6, 8, 11, 12, 4}, 2.0));
        GradientCheck.assertMatches("llama rm lora", () -> new PairwiseRewardObjective(
                new BradleyTerryLoss.Config(BradleyTerryLoss.Form.MARGIN, 0.01), 0), model, pairs);
        assertTrue(model.gradients().values().stream().allMatch(g -> g.norm2Number().doubleValue() > 0));
        assertEquals(before, base.baseParameters().values());
    }
}
