package org.alignspark.common.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.LongStream;

import org.alignspark.common.train.Objective;
import org.alignspark.common.train.TrainableModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central-difference check of an objective's parameter gradients, for a model in double precision: every entry of a
 * tensor of at most {@value #ENTRIES_PER_TENSOR} entries, and a seeded random sample of that many distinct entries of
 * each larger one (the sample is fixed per tensor name, so a failure reproduces). An entry passes when the analytic and
 * numeric derivatives agree to a relative 1e-6 or an absolute 1e-9.
 */
public final class GradientCheck {
    public static final int ENTRIES_PER_TENSOR = 50;
    private static final double H = 1e-5;

    private GradientCheck() {
    }

    /**
     * @param label     names the case in a failure message (e.g. the loss type)
     * @param objective a fresh objective per evaluation, so stateful ones (BCO's moments) start equal each time
     */
    public static <E, M extends TrainableModel> void assertMatches(String label, Supplier<? extends Objective<E, M>> objective,
                                                                   M model, List<E> batch) {
        assertMatches(label, objective, model, batch, ENTRIES_PER_TENSOR);
    }

    /** @param entriesPerTensor every entry of a tensor at most this large, else a seeded sample of this many */
    public static <E, M extends TrainableModel> void assertMatches(String label, Supplier<? extends Objective<E, M>> objective,
                                                                   M model, List<E> batch, int entriesPerTensor) {
        model.zeroGradients();
        objective.get().lossAndGradients(model, batch);
        Map<String, INDArray> analytic = new LinkedHashMap<>();
        model.gradients().forEach((k, g) -> analytic.put(k, g.dup()));
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            INDArray param = e.getValue();
            for (long index : entries(e.getKey(), param.length(), entriesPerTensor)) {
                double saved = param.getDouble(index);
                param.putScalar(index, saved + H);
                double plus = loss(objective, model, batch);
                param.putScalar(index, saved - H);
                double minus = loss(objective, model, batch);
                param.putScalar(index, saved);
                double numeric = (plus - minus) / (2 * H);
                double a = analytic.get(e.getKey()).getDouble(index);
                double error = Math.abs(a - numeric);
                assertTrue(error <= 1e-9 || error / Math.max(Math.abs(a), Math.abs(numeric)) <= 1e-6,
                        label + (label.isEmpty() ? "" : " ") + e.getKey() + "[" + index + "]: analytic " + a + ", numeric " + numeric);
            }
        }
    }

    /** All indices of a tensor of at most {@code count} entries, else {@code count} distinct ones drawn with a seed of the name. */
    public static long[] entries(String tensor, long length, int count) {
        if (length <= count) {
            return LongStream.range(0, length).toArray();
        }
        return new Random(tensor.hashCode()).longs(0, length).distinct().limit(count).toArray();
    }

    private static <E, M extends TrainableModel> double loss(Supplier<? extends Objective<E, M>> objective, M model, List<E> batch) {
        model.zeroGradients();
        return objective.get().lossAndGradients(model, batch).meanLoss();
    }
}
