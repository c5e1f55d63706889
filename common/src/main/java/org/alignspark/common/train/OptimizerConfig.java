package org.alignspark.common.train;

import java.io.Serializable;
import java.util.Locale;

/**
 * The optimizer of a training run.
 *
 * @param kind SGD, ADAM or ADAMW (Adam with decoupled weight decay, Loshchilov and Hutter 2019)
 * @param schedule learning rate per step
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param epsilon Adam's denominator term
 * @param weightDecay AdamW's decoupled decay (ignored by SGD and ADAM)
 * @param maxGradNorm clip the global gradient norm to this (0: no clipping)
 */
public record OptimizerConfig(Kind kind, LearningRateSchedule schedule, double beta1, double beta2, double epsilon,
                              double weightDecay, double maxGradNorm) implements Serializable {

    public enum Kind { SGD, ADAM, ADAMW;
        public static Kind parse(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /** Plain SGD at a constant rate, no clipping: the optimizer of the averaging-equivalence proof. */
    public static OptimizerConfig sgd(double learningRate) {
        return new OptimizerConfig(Kind.SGD, new LearningRateSchedule(learningRate, 0, 1, LearningRateSchedule.Shape.CONSTANT),
                0, 0, 0, 0, 0);
    }

    /** AdamW with TRL's defaults for betas and epsilon. */
    public static OptimizerConfig adamW(LearningRateSchedule schedule, double weightDecay, double maxGradNorm) {
        return new OptimizerConfig(Kind.ADAMW, schedule, 0.9, 0.999, 1e-8, weightDecay, maxGradNorm);
    }
}
