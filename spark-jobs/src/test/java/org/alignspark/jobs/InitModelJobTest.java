package org.alignspark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** init-model --config: a model of a Hugging Face config.json's architecture, with random weights. */
class InitModelJobTest {
    /** A Qwen2-shaped config, small: grouped-query attention (4 heads, 2 KV heads of 8), q/k/v biases, tied head. */
    private static final String QWEN2 = """
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu", "hidden_size": 32,
             "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 128, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 128,
             "use_sliding_window": false, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 300}
            """;

    @TempDir
    Path tmp;

    @Test
    void aConfigFileGivesThatArchitecture() throws IOException {
        Path config = Files.writeString(tmp.resolve("qwen2-tiny.json"), QWEN2);
        Path out = tmp.resolve("model");
        assertEquals(0, Main.run("init-model", "--config", config.toString(), "--output", out.toString(), "--seed", "3"));

        JsonNode written = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("qwen2", written.path("model_type").asText());
        assertEquals(2, written.path("num_key_value_heads").asInt());
        assertEquals(300, written.path("vocab_size").asInt());
        assertTrue(written.path("tie_word_embeddings").asBoolean());
        assertTrue(Files.exists(out.resolve("tokenizer.json")), "the byte-level tokenizer (262 tokens, within 300)");

        CausalLM lm = HfCheckpoint.load(ModelFolder.of(out.toString()), DataType.FLOAT);
        Map<String, INDArray> p = lm.parameters().values();
        assertArrayEquals(new long[] {16, 32}, p.get("model.layers.0.self_attn.k_proj.weight").shape(), "2 KV heads × 8");
        assertArrayEquals(new long[] {16}, p.get("model.layers.1.self_attn.v_proj.bias").shape());
        assertFalse(p.containsKey("model.layers.0.self_attn.o_proj.bias"), "qwen2: no o_proj bias");
        assertFalse(p.containsKey("lm_head.weight"), "tied head");
        // By hand: embed 300·32 = 9 600; per layer q 32·32+32, k and v 32·16+16 each, o 32·32, gate and up 32·48 each,
        // down 48·32, two norms 2·32: 7 808; two layers and the final norm (32): 9 600 + 15 616 + 32.
        assertEquals(25_248, lm.parameters().count());
        double std = p.get("model.layers.0.mlp.up_proj.weight").stdNumber().doubleValue();
        assertTrue(Math.abs(std - 0.02) < 0.004, "GPT-2's initialisation N(0, 0.02), got std " + std);
    }

    @Test
    void aConfigFolderWorksAndSizesBesideItAreRefused() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("published"));
        Files.writeString(folder.resolve("config.json"), QWEN2);
        assertEquals(0, Main.run("init-model", "--config", folder.toString(), "--output", tmp.resolve("a").toString()));
        assertEquals(25_248, HfCheckpoint.load(ModelFolder.of(tmp.resolve("a").toString()), DataType.FLOAT).parameters().count());

        assertNotEquals(0, Main.run("init-model", "--config", folder.toString(), "--d-model", "64",
                "--output", tmp.resolve("b").toString()));
        assertFalse(Files.exists(tmp.resolve("b")), "refused before writing");

        Files.writeString(folder.resolve("config.json"), QWEN2.replace("\"vocab_size\": 300", "\"vocab_size\": 200"));
        assertNotEquals(0, Main.run("init-model", "--config", folder.toString(), "--output", tmp.resolve("c").toString()),
                "the byte-level tokenizer's 262 tokens do not fit a vocabulary of 200");
        assertFalse(Files.exists(tmp.resolve("c")));
    }
}
