package org.alignspark.common.train;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class BatchResultTest {
    @Test
    void ratioMetricIsMeanOverItsOwnCountAcrossBatches() {
        // batch 1: 3 examples, 1 desirable with reward 0.6; batch 2: 5 examples, 3 desirable with rewards summing to 0.6
        BatchResult round = new BatchResult(3, 3, 30).metricRatio("rewards/chosen", 0.6, 1).metricSum("kl", 0.3)
                .add(new BatchResult(5, 5, 50).metricRatio("rewards/chosen", 0.6, 3).metricSum("kl", 0.5));
        Map<String, Double> means = round.metricMeans();
        assertEquals(1.2 / 4, means.get("rewards/chosen"), 1e-12);   // not 1.2 / 8
        assertEquals(0.8 / 8, means.get("kl"), 1e-12);
    }

    @Test
    void ratioMetricWithoutAnyExampleOfItsSubsetIsLeftOut() {
        BatchResult round = new BatchResult(1, 2, 10).metricRatio("rewards/rejected", 0, 0);
        assertFalse(round.metricMeans().containsKey("rewards/rejected"));
    }
}
