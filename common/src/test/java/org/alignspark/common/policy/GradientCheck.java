package org.alignspark.common.policy;

import java.util.List;
import java.util.function.Supplier;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.Objective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The policy objectives' gradient check ({@link org.alignspark.common.testing.GradientCheck}) on a tiny double-precision Llama. */
public final class GradientCheck {
    public static final ModelConfig CONFIG = ModelConfig.llama(16, 8, 1, 2, 1, 16, 16).withDataType(DataType.DOUBLE);

    private GradientCheck() {
    }

    /** A policy moved away from the reference so that log-ratios are not all zero. */
    public static LanguageModel perturbedPolicy() {
        LanguageModel policy = new LanguageModel(CausalLM.initialize(CONFIG, 2));
        long seed = 20;
        for (INDArray p : policy.parameters().values()) {
            p.addi(Nd4j.randn(seed++, p.shape()).castTo(DataType.DOUBLE).muli(0.3));
        }
        return policy;
    }

    /** @param objective a fresh objective per evaluation, so stateful ones (BCO's moments) start equal each time */
    public static <E> void assertMatches(Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy, List<E> batch) {
        assertMatches("", objective, policy, batch);
    }

    /** @param label names the case in a failure message (e.g. the loss type) */
    public static <E> void assertMatches(String label, Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy,
                                  List<E> batch) {
        org.alignspark.common.testing.GradientCheck.assertMatches(label, objective, policy, batch);
    }

    /** @param entries how many entries of each parameter tensor to check, a seeded sample of the tensor */
    static <E> void assertMatches(String label, Supplier<? extends Objective<E, LanguageModel>> objective, LanguageModel policy,
                                  List<E> batch, int entries) {
        org.alignspark.common.testing.GradientCheck.assertMatches(label, objective, policy, batch, entries);
    }
}
