package org.alignspark.common.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OuterOptimizerTest {
    private static TensorBundle bundle(double... w) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.createFromArray(w).castTo(DataType.DOUBLE));
        return TensorBundle.of(m);
    }

    @Test
    void unitLearningRateWithoutMomentumIsExactlyTheWorkersMean() {
        // θ = 0.1, mean = 0.3: θ − (θ − mean) would give 0.30000000000000004; the mean itself must come back.
        TensorBundle global = bundle(0.1, -2.7, 1e-9);
        TensorBundle mean = bundle(0.3, 1.1, 3.3e-7);
        new OuterOptimizer(1.0, 0.0).step(global, mean);
        assertArrayEquals(new double[] {0.3, 1.1, 3.3e-7}, global.values(0), 0.0);
    }

    @Test
    void nesterovMomentumMatchesTwoStepsComputedByHand() {
        // lr 0.7, μ 0.9 (DiLoCo's outer optimizer), one parameter.
        // Step 1: θ0 = 1.0, workers' mean 0.8 → Δ = 0.2; buf = 0.9·0 + 0.2 = 0.2;
        //         θ1 = 1.0 − 0.7·(0.2 + 0.9·0.2) = 1.0 − 0.7·0.38 = 0.734.
        // Step 2: workers' mean 0.634 → Δ = 0.734 − 0.634 = 0.1; buf = 0.9·0.2 + 0.1 = 0.28;
        //         θ2 = 0.734 − 0.7·(0.1 + 0.9·0.28) = 0.734 − 0.7·0.352 = 0.734 − 0.2464 = 0.4876.
        OuterOptimizer outer = new OuterOptimizer(0.7, 0.9);
        TensorBundle theta = bundle(1.0);
        outer.step(theta, bundle(0.8));
        assertEquals(0.734, theta.values(0)[0], 1e-12);
        assertEquals(0.2, outer.momentumBuffer(theta).values(0)[0], 1e-12);
        outer.step(theta, bundle(0.634));
        assertEquals(0.4876, theta.values(0)[0], 1e-12);
        assertEquals(0.28, outer.momentumBuffer(theta).values(0)[0], 1e-12);
    }

    @Test
    void restoredMomentumBufferContinuesAsIfUninterrupted() {
        OuterOptimizer straight = new OuterOptimizer(0.7, 0.9);
        TensorBundle a = bundle(1.0, 2.0);
        straight.step(a, bundle(0.8, 2.5));
        straight.step(a, bundle(0.5, 2.9));

        OuterOptimizer first = new OuterOptimizer(0.7, 0.9);
        TensorBundle b = bundle(1.0, 2.0);
        first.step(b, bundle(0.8, 2.5));
        OuterOptimizer resumed = new OuterOptimizer(0.7, 0.9);
        resumed.loadMomentumBuffer(first.momentumBuffer(b));
        resumed.step(b, bundle(0.5, 2.9));
        assertArrayEquals(a.values(0), b.values(0), 0.0);
    }

    @Test
    void rejectsMomentumOfOneOrMore() {
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer(0.7, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer(0.0, 0.5));
    }
}
