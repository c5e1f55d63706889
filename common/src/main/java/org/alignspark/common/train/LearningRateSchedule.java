package org.alignspark.common.train;

import java.util.Locale;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * Linear warmup from 0 to the peak rate over {@code warmupSteps}, then constant, linear decay to 0, or cosine decay to
 * 0 at {@code totalSteps} (the shapes of transformers' get_{constant,linear,cosine}_schedule_with_warmup).
 */
public final class LearningRateSchedule implements ISchedule {
    public enum Shape { CONSTANT, LINEAR, COSINE;
        public static Shape parse(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    private final double peak;
    private final int warmupSteps;
    private final int totalSteps;
    private final Shape shape;

    public LearningRateSchedule(double peak, int warmupSteps, int totalSteps, Shape shape) {
        if (!(peak > 0) || warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("learning rate schedule needs peak > 0, warmup >= 0, total >= 1");
        }
        this.peak = peak;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
        this.shape = shape;
    }

    /** The rate for optimizer step {@code iteration} (0-based). */
    public double at(long iteration) {
        if (iteration < warmupSteps) {
            return peak * (iteration + 1) / (double) warmupSteps;
        }
        if (shape == Shape.CONSTANT) {
            return peak;
        }
        double progress = Math.min(1.0, (iteration - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
        return shape == Shape.LINEAR ? peak * (1 - progress) : peak * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return at(iteration);
    }

    @Override
    public ISchedule clone() {
        return new LearningRateSchedule(peak, warmupSteps, totalSteps, shape);
    }
}
