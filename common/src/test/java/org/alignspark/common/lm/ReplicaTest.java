package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class ReplicaTest {
    @Test
    void initializationIsReproducibleFromTheSeed() {
        ModelConfig config = ModelConfig.gpt2(40, 16, 1, 2, 16);
        INDArray a = CausalLM.initialize(config, 3).parameters().values().get("wte.weight");
        INDArray b = CausalLM.initialize(config, 3).parameters().values().get("wte.weight");
        assertEquals(a, b);
        assertEquals(0.02, a.stdNumber().doubleValue(), 0.004);
    }

    private static final Batch FIRST = Batch.of(new int[] {1, 2, 3, 4, 5}, new int[] {6, 7, 8, 9, 10});
    private static final Batch SECOND = Batch.padded(java.util.List.of(new int[] {11, 12, 13}, new int[] {14}),
            Batch.Padding.LEFT, 0);

    @Test
    void replicaSharesParametersAndRunsOnAnotherThread() throws Exception {
        CausalLM model = CausalLM.initialize(ModelConfig.llama(32, 16, 2, 4, 2, 24, 16), 8);
        CausalLM replica = model.replica();
        assertSame(model.parameters().values().get("model.norm.weight"),
                replica.parameters().values().get("model.norm.weight"));
        INDArray first = model.forward(FIRST).dup();
        INDArray second = model.forward(SECOND).dup();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Double> a = pool.submit(() -> maxDifference(model, FIRST, first));
            Future<Double> b = pool.submit(() -> maxDifference(replica, SECOND, second));
            assertEquals(0.0, a.get(), 1e-6);
            assertEquals(0.0, b.get(), 1e-6);
        } finally {
            pool.shutdown();
        }
        model.parameters().values().get("model.norm.weight").muli(2.0);
        assertEquals(0.0, replica.forward(FIRST).sub(model.forward(FIRST).dup()).amaxNumber().doubleValue(), 1e-6);
    }

    private static double maxDifference(CausalLM model, Batch batch, INDArray expected) {
        double worst = 0;
        for (int i = 0; i < 20; i++) {
            worst = Math.max(worst, model.forward(batch).sub(expected).amaxNumber().doubleValue());
        }
        return worst;
    }
}
