package org.alignspark.common.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.Objective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central-difference check of an objective's parameter gradients on a tiny double-precision Llama. */
final class GradientCheck {
    static final ModelConfig CONFIG = ModelConfig.llama(16, 8, 1, 2, 1, 16, 16).withDataType(DataType.DOUBLE);

    private GradientCheck() {
    }

    /** A policy moved away from the reference so that log-ratios are not all zero. */
    static LanguageModel perturbedPolicy() {
        LanguageModel policy = new LanguageModel(CausalLM.initialize(CONFIG, 2));
        long seed = 20;
        for (INDArray p : policy.parameters().values()) {
            p.addi(Nd4j.randn(seed++, p.shape()).castTo(DataType.DOUBLE).muli(0.3));
        }
        return policy;
    }

    /** @param objective a fresh objective per evaluation, so stateful ones (BCO's moments) start equal each time */
    static <E> void assertMatches(Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy, List<E> batch) {
        assertMatches("", objective, policy, batch);
    }

    /** @param label names the case in a failure message (e.g. the loss type) */
    static <E> void assertMatches(String label, Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy,
                                  List<E> batch) {
        assertMatches(label, objective, policy, batch, 3);
    }

    /** @param entries how many entries of each parameter tensor to check, spread over the tensor */
    static <E> void assertMatches(String label, Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy,
                                  List<E> batch, int entries) {
        policy.zeroGradients();
        objective.get().lossAndGradients(policy, batch);
        Map<String, INDArray> analytic = new LinkedHashMap<>();
        policy.gradients().forEach((k, g) -> analytic.put(k, g.dup()));
        for (Map.Entry<String, INDArray> e : policy.parameters().entrySet()) {
            INDArray param = e.getValue();
            for (long k = 0; k < Math.min(entries, param.length()); k++) {
                long index = (k * 104729) % param.length();
                double saved = param.getDouble(index);
                param.putScalar(index, saved + 1e-5);
                double plus = loss(objective, policy, batch);
                param.putScalar(index, saved - 1e-5);
                double minus = loss(objective, policy, batch);
                param.putScalar(index, saved);
                double numeric = (plus - minus) / 2e-5;
                double a = analytic.get(e.getKey()).getDouble(index);
                double error = Math.abs(a - numeric);
                assertTrue(error <= 1e-9 || error / Math.max(Math.abs(a), Math.abs(numeric)) <= 1e-6,
                        label + (label.isEmpty() ? "" : " ") + e.getKey() + "[" + index + "]: analytic " + a + ", numeric " + numeric);
            }
        }
    }

    private static <E> double loss(Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy, List<E> batch) {
        policy.zeroGradients();
        return objective.get().lossAndGradients(policy, batch).meanLoss();
    }
}
