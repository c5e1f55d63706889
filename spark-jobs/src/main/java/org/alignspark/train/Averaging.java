package org.alignspark.train;

import java.io.Serializable;
import java.util.Locale;

import org.alignspark.common.train.TensorBundle.Wire;

/**
 * How a round's worker results become the next global parameters, and when rounds end.
 *
 * @param mode {@link Mode#DL4J} or {@link Mode#OUTER}
 * @param outerLearningRate the outer step's learning rate (OUTER only; 1 with momentum 0 is plain averaging)
 * @param outerMomentum the outer step's Nesterov momentum (OUTER only)
 * @param syncWarmupSteps the run's first rounds that fit one minibatch each before the averaging frequency applies
 *                        (post-local SGD, {@link RoundSchedule}); either mode, 0: none
 * @param outerWire what an OUTER worker sends back: {@link Wire#FLOAT32} its parameters, exactly as the float32 model
 *                  holds them; {@link Wire#BFLOAT16} the change of its parameters over the round in bfloat16, half the
 *                  bytes, each change rounded to 8 significant bits (DL4J mode: FLOAT32, unused)
 */
public record Averaging(Mode mode, double outerLearningRate, double outerMomentum, int syncWarmupSteps, Wire outerWire)
        implements Serializable {

    public enum Mode {
        /**
         * DL4J's ParameterAveragingTrainingMaster: parameters and the optimizer state (Adam's moments) are broadcast,
         * and both are averaged over the workers after each round.
         */
        DL4J,
        /**
         * Local SGD / DiLoCo: each worker's optimizer state stays on its executor and never travels; only parameters
         * do (float32), and the driver takes an outer step on their averaged change ({@code OuterOptimizer}).
         */
        OUTER;

        public static Mode parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--averaging must be dl4j or outer, got '" + name + "'");
            }
        }

        /** The name on the command line and in trainer_state.json. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Averaging {
        if (mode == null) {
            throw new IllegalArgumentException("averaging mode is required");
        }
        if (mode == Mode.OUTER) {
            new org.alignspark.common.train.OuterOptimizer(outerLearningRate, outerMomentum);   // validates both
        } else if (outerLearningRate != 1.0 || outerMomentum != 0.0) {
            throw new IllegalArgumentException("--outer-lr and --outer-momentum apply to --averaging outer only");
        }
        if (outerWire != Wire.FLOAT32 && outerWire != Wire.BFLOAT16) {
            throw new IllegalArgumentException("--outer-wire must be float32 or bf16, got " + outerWire);
        }
        if (mode == Mode.DL4J && outerWire != Wire.FLOAT32) {
            throw new IllegalArgumentException("--outer-wire bf16 applies to --averaging outer only");
        }
        if (syncWarmupSteps < 0) {
            throw new IllegalArgumentException("--sync-warmup-steps must be at least 0, got " + syncWarmupSteps);
        }
    }

    /** No synchronous warm-up: every round fits the averaging frequency's minibatches. */
    public Averaging(Mode mode, double outerLearningRate, double outerMomentum) {
        this(mode, outerLearningRate, outerMomentum, 0, Wire.FLOAT32);
    }

    /** The same averaging after {@code steps} rounds of one minibatch (post-local SGD's warm-up). */
    public Averaging withSyncWarmupSteps(int steps) {
        return new Averaging(mode, outerLearningRate, outerMomentum, steps, outerWire);
    }

    /** The same averaging with the workers sending {@code wire} (OUTER: FLOAT32 parameters or BFLOAT16 changes). */
    public Averaging withOuterWire(Wire wire) {
        return new Averaging(mode, outerLearningRate, outerMomentum, syncWarmupSteps, wire);
    }

    /** {@code --outer-wire}: float32 or bf16. */
    public static Wire parseOuterWire(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32" -> Wire.FLOAT32;
            case "bf16", "bfloat16" -> Wire.BFLOAT16;
            default -> throw new IllegalArgumentException("--outer-wire must be float32 or bf16, got '" + name + "'");
        };
    }

    /** Whether OUTER workers send their parameters' change in bfloat16 rather than their float32 parameters. */
    public boolean sendsBf16Changes() {
        return outerWire == Wire.BFLOAT16;
    }

    /** Today's behaviour: DL4J's averaging of parameters and optimizer state. */
    public static Averaging dl4j() {
        return new Averaging(Mode.DL4J, 1.0, 0.0);
    }

    /** Outer step with the given learning rate and Nesterov momentum (1, 0: plain local SGD; 0.7, 0.9: DiLoCo). */
    public static Averaging outer(double learningRate, double momentum) {
        return new Averaging(Mode.OUTER, learningRate, momentum);
    }
}
