package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.lm.checkpoint.SafeTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Logits, next-token log-probs and final hidden states of tiny random checkpoints against an independent
 * PyTorch implementation (tools/golden/make_golden.py), float32, max abs error ≤ 1e-4 on real positions.
 */
class GoldenOutputsTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0}, {1} padding")
    @CsvSource({"gpt2, ''", "gpt2, _left", "llama, ''", "llama, _left", "qwen2, ''", "qwen2, _left", "qwen3, ''",
        "qwen3, _left", "mistral, ''", "mistral, _left", "phi3, ''",
        "phi3, _left", "gemma2, ''", "gemma2, _left"})
    void outputsMatchPyTorchReference(String model, String suffix) throws Exception {
        Path folder = Path.of(getClass().getResource("/golden/" + model).toURI());
        CausalLM lm = HfCheckpoint.load(ModelFolder.local(folder), DataType.FLOAT);
        Map<String, INDArray> golden;
        try (InputStream in = Files.newInputStream(folder.resolve("golden.safetensors"))) {
            golden = SafeTensors.read(in, "golden.safetensors", DataType.FLOAT);
        }
        int[][] tokens = golden.get("input_ids" + suffix).toIntMatrix();
        int[][] mask = golden.get("attention_mask" + suffix).toIntMatrix();
        lm.forward(new Batch(tokens, mask));
        INDArray logProbs = lm.logProbs(lm.nextTokenTargets());

        double logitError = 0;
        double hiddenError = 0;
        double logProbError = 0;
        int scored = 0;
        for (int b = 0; b < tokens.length; b++) {
            for (int t = 0; t < tokens[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                logitError = Math.max(logitError, maxAbsDiff(lm.logits().slice(b).slice(t),
                        golden.get("logits" + suffix).slice(b).slice(t)));
                hiddenError = Math.max(hiddenError, maxAbsDiff(lm.hiddenStates().slice(b).slice(t),
                        golden.get("hidden_states" + suffix).slice(b).slice(t)));
                if (t + 1 < tokens[b].length && mask[b][t + 1] == 1) {
                    scored++;
                    logProbError = Math.max(logProbError, Math.abs(logProbs.getDouble(b, t)
                            - golden.get("log_probs" + suffix).getDouble(b, t)));
                }
            }
        }
        assertTrue(scored >= 10, "scored " + scored + " log-probs");
        assertTrue(logitError <= TOLERANCE, model + suffix + " logits max abs error " + logitError);
        assertTrue(hiddenError <= TOLERANCE, model + suffix + " hidden states max abs error " + hiddenError);
        assertTrue(logProbError <= TOLERANCE, model + suffix + " log-probs max abs error " + logProbError);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
