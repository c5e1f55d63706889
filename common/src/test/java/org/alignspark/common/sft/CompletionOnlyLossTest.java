package org.alignspark.common.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.policy.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class CompletionOnlyLossTest {
    private static final int PAD = 0;
    private static final List<SftExample> BATCH = List.of(
            new SftExample("a", new int[] {1, 5, 7}, new int[] {3, 9}),
            new SftExample("b", new int[] {2, 6}, new int[] {8, 11, 12, 4}));

    @Test
    void gradientsMatchCentralDifferences() {
        GradientCheck.assertMatches("sft", () -> new CompletionOnlyLoss(PAD), GradientCheck.perturbedPolicy(), BATCH);
    }

    /**
     * The loss is the mean negative log-probability of the completion tokens only, over all the batch's completion
     * tokens (6 here), each read off the model's unpadded logits with a softmax written out in the test.
     */
    @Test
    void lossIsTheTokenMeanNllOfCompletionTokensOnly() {
        LanguageModel model = GradientCheck.perturbedPolicy();
        double nll = 0;
        long tokens = 0;
        for (SftExample e : BATCH) {
            int[] sequence = new int[e.prompt().length + e.completion().length];
            System.arraycopy(e.prompt(), 0, sequence, 0, e.prompt().length);
            System.arraycopy(e.completion(), 0, sequence, e.prompt().length, e.completion().length);
            INDArray logits = model.lm().forward(Batch.of(sequence));   // [1, T, V]
            for (int j = 0; j < e.completion().length; j++) {
                int position = e.prompt().length + j - 1;   // the logits that predict completion token j
                INDArray row = logits.get(NDArrayIndex.point(0), NDArrayIndex.point(position), NDArrayIndex.all());
                double max = row.maxNumber().doubleValue();
                double z = 0;
                for (long v = 0; v < row.length(); v++) {
                    z += Math.exp(row.getDouble(v) - max);
                }
                nll -= row.getDouble(e.completion()[j]) - max - Math.log(z);
                tokens++;
            }
        }
        model.zeroGradients();
        assertEquals(nll / tokens, new CompletionOnlyLoss(PAD).lossAndGradients(model, BATCH).meanLoss(), 1e-9);
    }
}
