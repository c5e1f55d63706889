package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class LogProbsTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {1, 7, 3}, new int[] {4}, new int[] {9, 9, 2, 5, 1, 6});
    private static final List<int[]> COMPLETIONS = List.of(new int[] {8, 2, 2, 11}, new int[] {30, 5}, new int[] {3});
    private static final int PAD = 0;

    private static List<CausalLM> models() {
        return List.of(CausalLM.initialize(ModelConfig.gpt2(32, 16, 2, 2, 16), 1),
                CausalLM.initialize(ModelConfig.llama(32, 16, 2, 4, 2, 24, 16), 2));
    }

    @Test
    void batchedWithRightOrLeftPaddingMatchesOneAtATime() {
        for (CausalLM model : models()) {
            List<SequenceLogProb> right =
                    CompletionLogProbs.forward(model, PROMPTS, COMPLETIONS, Batch.Padding.RIGHT, PAD).sequences();
            List<SequenceLogProb> left =
                    CompletionLogProbs.forward(model, PROMPTS, COMPLETIONS, Batch.Padding.LEFT, PAD).sequences();
            for (int i = 0; i < PROMPTS.size(); i++) {
                SequenceLogProb single = score(model, PROMPTS.get(i), COMPLETIONS.get(i));
                assertEquals(single.sum(), right.get(i).sum(), 1e-5);
                assertEquals(single.sum(), left.get(i).sum(), 1e-5);
                assertEquals(single.mean(), left.get(i).mean(), 1e-5);
                assertEquals(COMPLETIONS.get(i).length, left.get(i).tokens());
            }
        }
    }

    @Test
    void sequenceLogProbSumsCompletionTokenLogSoftmaxOnly() {
        CausalLM model = models().get(1);
        int[] prompt = {1, 7, 3};
        int[] completion = {8, 2};
        SequenceLogProb lp = score(model, prompt, completion);
        INDArray logits = model.forward(Batch.of(new int[] {1, 7, 3, 8, 2}));
        double expected = logSoftmax(logits.slice(0).slice(2), 8) + logSoftmax(logits.slice(0).slice(3), 2);
        assertEquals(expected, lp.sum(), 1e-5);
        assertEquals(expected / 2, lp.mean(), 1e-5);
    }

    @Test
    void nextTokenLogProbsAreLogSoftmaxOfLogitsAndZeroOnPadding() {
        CausalLM model = models().get(0);
        Batch batch = Batch.padded(List.of(new int[] {3, 4, 5}, new int[] {6, 7}), Batch.Padding.RIGHT, PAD);
        INDArray logits = model.forward(batch).dup();
        INDArray lp = model.logProbs(model.nextTokenTargets());
        assertEquals(logSoftmax(logits.slice(0).slice(1), 5), lp.getDouble(0, 1), 1e-5);
        assertEquals(logSoftmax(logits.slice(1).slice(0), 7), lp.getDouble(1, 0), 1e-5);
        assertEquals(0.0, lp.getDouble(1, 1), 0.0);
        assertEquals(0.0, lp.getDouble(0, 2), 0.0);
    }

    @Test
    void rejectsEmptyPrompt() {
        assertThrows(IllegalArgumentException.class, () -> score(models().get(0), new int[0], new int[] {1}));
    }

    /** One prompt and completion, scored alone. */
    private static SequenceLogProb score(CausalLM model, int[] prompt, int[] completion) {
        return CompletionLogProbs.forward(model, List.of(prompt), List.of(completion), PAD).sequences().get(0);
    }

    private static double logSoftmax(INDArray row, int target) {
        double[] z = row.toDoubleVector();
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return z[target] - max - Math.log(sum);
    }
}
