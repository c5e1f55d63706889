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
 * PyTorch implementation (tools/golden/make_golden.py), float32, max abs error ≤ 1e-4 on real positions; the
 * log-probs and WPO's log Σ p² also as {@link CausalLM#forwardHidden} computes them in chunks of 3 rows of logits.
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
        lm.setLogitChunkTokens(3);                                               // 2 × 7 rows: chunks of 3, 3, 3, 3, 2
        lm.forwardHidden(new Batch(tokens, mask));
        INDArray chunkedLogProbs = lm.logProbs(lm.nextTokenTargets()).dup();
        double[][] masses = lm.logSquaredMasses();
        lm.setLogitChunkTokens(0);
        lm.forward(new Batch(tokens, mask));
        INDArray logProbs = lm.logProbs(lm.nextTokenTargets());

        double logitError = 0;
        double hiddenError = 0;
        double logProbError = 0;
        double chunkedError = 0;
        double massError = 0;
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
                    double expected = golden.get("log_probs" + suffix).getDouble(b, t);
                    logProbError = Math.max(logProbError, Math.abs(logProbs.getDouble(b, t) - expected));
                    chunkedError = Math.max(chunkedError, Math.abs(chunkedLogProbs.getDouble(b, t) - expected));
                }
                massError = Math.max(massError, Math.abs(masses[b][t]
                        - logSquaredMass(golden.get("logits" + suffix).slice(b).slice(t))));
            }
        }
        assertTrue(scored >= 10, "scored " + scored + " log-probs");
        assertTrue(logitError <= TOLERANCE, model + suffix + " logits max abs error " + logitError);
        assertTrue(hiddenError <= TOLERANCE, model + suffix + " hidden states max abs error " + hiddenError);
        assertTrue(logProbError <= TOLERANCE, model + suffix + " log-probs max abs error " + logProbError);
        assertTrue(chunkedError <= TOLERANCE, model + suffix + " chunked log-probs max abs error " + chunkedError);
        assertTrue(massError <= TOLERANCE, model + suffix + " chunked log Σ p² max abs error " + massError);
    }

    /** log Σ_v softmax(z)_v² of one row of the reference's logits, in double. */
    private static double logSquaredMass(INDArray logits) {
        double[] z = logits.castTo(DataType.DOUBLE).toDoubleVector();
        double max = java.util.Arrays.stream(z).max().orElseThrow();
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        double lse = max + Math.log(sum);
        double squares = 0;
        for (double v : z) {
            squares += Math.exp(2 * (v - lse));
        }
        return Math.log(squares);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
