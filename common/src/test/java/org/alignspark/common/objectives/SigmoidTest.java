package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SigmoidTest {

    @Test
    void logSigmoidMatchesHandValues() {
        assertEquals(-Math.log(2), Sigmoid.logSigmoid(0), 1e-15);
        // log σ(1) = −log(1 + e^{−1}) = −0.313262; log σ(−1) = −1.313262
        assertEquals(-0.313262, Sigmoid.logSigmoid(1), 1e-6);
        assertEquals(-1.313262, Sigmoid.logSigmoid(-1), 1e-6);
        assertEquals(0.731059, Sigmoid.sigmoid(1), 1e-6);
    }

    @Test
    void extremeArgumentsStayFinite() {
        assertEquals(-1000.0, Sigmoid.logSigmoid(-1000), 1e-12);
        assertEquals(0.0, Sigmoid.logSigmoid(1000), 1e-300);
        assertEquals(1000.0, Sigmoid.softplus(1000), 1e-12);
        assertEquals(0.0, Sigmoid.sigmoid(-1000));
        assertEquals(1.0, Sigmoid.sigmoid(1000));
        // small negative tail keeps precision: log σ(40) = −e^{−40}
        assertEquals(-Math.exp(-40), Sigmoid.logSigmoid(40), 1e-30);
    }
}
