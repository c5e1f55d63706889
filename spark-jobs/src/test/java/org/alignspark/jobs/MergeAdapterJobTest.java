package org.alignspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.alignspark.Main;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** merge-adapter: the merged HF folder computes what base + adapter computes (1e-5), with no adapter left. */
class MergeAdapterJobTest {
    private static final Batch BATCH = new Batch(new int[][] {{72, 101, 108, 108, 111}, {87, 111, 114, 0, 0}},
            new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});

    @TempDir
    Path tmp;

    /** A trained-looking adapter (B ≠ 0) on {@code base}, saved as a PEFT folder naming {@code baseName}. */
    private static CausalLM adapter(Path base, Path folder, String baseName) {
        CausalLM lm = HfCheckpoint.load(ModelFolder.of(base.toString()), DataType.FLOAT, true)
                .withLora(new LoraConfig(4, 8, 0.05, List.of()), 1);
        long seed = 0;
        for (var e : lm.parameters().values().entrySet()) {
            if (e.getKey().endsWith("lora_B.weight")) {
                e.getValue().assign(Nd4j.getRandomFactory().getNewRandomInstance(seed++).nextGaussian(e.getValue().shape())
                        .castTo(DataType.FLOAT).muli(0.5));
            }
        }
        AdapterCheckpoint.save(lm, ModelFolder.of(folder.toString()), baseName, "CAUSAL_LM", Map.of());
        return lm;
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    private void mergesInto(Path base) {
        Path adapterFolder = tmp.resolve("adapter");
        CausalLM adapted = adapter(base, adapterFolder, "../" + base.getFileName());
        Path merged = tmp.resolve("merged");
        assertEquals(0, Main.run("merge-adapter", "--adapter", adapterFolder.toString(), "--output", merged.toString()));
        assertTrue(Files.exists(merged.resolve("tokenizer.json")), "tokenizer files come from the base");
        CausalLM mergedLm = HfCheckpoint.load(ModelFolder.of(merged.toString()), DataType.FLOAT);
        assertTrue(!mergedLm.hasAdapters());
        INDArray expected = adapted.forward(BATCH).dup();
        INDArray actual = mergedLm.forward(BATCH).dup();
        assertTrue(maxDiff(expected, actual) <= 1e-5, "merged vs base + adapter: " + maxDiff(expected, actual));
        CausalLM baseLm = HfCheckpoint.load(ModelFolder.of(base.toString()), DataType.FLOAT);
        assertTrue(maxDiff(expected, baseLm.forward(BATCH)) > 1e-3, "the adapter changes the model");
        // an adapter folder loads wherever a model folder does (ExecutorModels, HfCheckpoint.load)
        INDArray viaFolder = HfCheckpoint.load(adapterFolder.toString()).forward(BATCH);
        assertTrue(maxDiff(expected, viaFolder) <= 1e-6);
    }

    @Test
    void mergedGpt2FolderComputesWhatBasePlusAdapterComputes() {
        mergesInto(TinyModels.gpt2(tmp.resolve("base"), 3));   // Conv1D: fan_in_fan_out, ΔW transposed
    }

    @Test
    void mergedLlamaFolderComputesWhatBasePlusAdapterComputes() {
        mergesInto(TinyModels.llama(tmp.resolve("base"), 4));
    }

    @Test
    void anExplicitBaseModelOverridesTheAdaptersOwn() {
        Path base = TinyModels.llama(tmp.resolve("moved-base"), 5);
        Path adapterFolder = tmp.resolve("adapter");
        CausalLM adapted = adapter(base, adapterFolder, "meta-llama/Llama-3.2-1B");
        assertNotEquals(0, Main.run("merge-adapter", "--adapter", adapterFolder.toString(), "--output",
                tmp.resolve("no").toString()));
        Path merged = tmp.resolve("merged");
        assertEquals(0, Main.run("merge-adapter", "--adapter", adapterFolder.toString(), "--base-model", base.toString(),
                "--output", merged.toString()));
        INDArray expected = adapted.forward(BATCH).dup();
        assertTrue(maxDiff(expected, HfCheckpoint.load(ModelFolder.of(merged.toString()), DataType.FLOAT).forward(BATCH))
                <= 1e-5);
    }
}
