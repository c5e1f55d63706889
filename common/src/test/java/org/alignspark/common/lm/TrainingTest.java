package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/** The gradients train: one ND4J Adam updater per parameter (as the trainer runs them) memorises a sequence. */
class TrainingTest {
    private static final int[] SEQUENCE = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

    @Test
    void bothFamiliesMemoriseASequenceWithAdam() {
        for (ModelConfig config : new ModelConfig[] {ModelConfig.gpt2(16, 16, 2, 2, 16),
                ModelConfig.llama(16, 16, 2, 4, 2, 32, 16)}) {
            CausalLM model = CausalLM.initialize(config, 42);
            List<GradientUpdater<?>> updaters = new ArrayList<>();
            for (INDArray p : model.parameters().values().values()) {
                INDArray state = Nd4j.create(DataType.FLOAT, 1, 2 * p.length());
                updaters.add(new Adam(1e-2).instantiate(state, true));
            }
            Batch batch = Batch.of(SEQUENCE);
            double first = 0;
            double last = 0;
            for (int step = 0; step < 150; step++) {
                model.forward(batch);
                INDArray logProbs = model.logProbs(model.nextTokenTargets());
                double nll = -logProbs.sumNumber().doubleValue() / (SEQUENCE.length - 1);
                if (step == 0) {
                    first = nll;
                }
                last = nll;
                model.parameters().zeroGradients();
                model.backwardFromLogProbs(
                        Nd4j.valueArrayOf(logProbs.shape(), -1.0 / (SEQUENCE.length - 1), DataType.FLOAT), null);
                int i = 0;
                Map<String, INDArray> grads = model.parameters().gradients();
                for (Map.Entry<String, INDArray> e : model.parameters().values().entrySet()) {
                    INDArray update = grads.get(e.getKey()).reshape(1, e.getValue().length());
                    updaters.get(i++).applyUpdater(update, step, 0);
                    e.getValue().subi(update.reshape(e.getValue().shape()));
                }
            }
            assertTrue(first > 2.0 && last < 0.05, config.family() + ": loss " + first + " -> " + last);
            List<int[]> completion = Generator.generate(model, List.of(new int[] {1, 2, 3}), new long[] {0},
                    GenerationConfig.greedy(5));
            assertArrayEquals(new int[] {4, 5, 6, 7, 8}, completion.get(0), config.family().toString());
        }
    }
}
