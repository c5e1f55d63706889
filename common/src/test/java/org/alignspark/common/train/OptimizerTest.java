package org.alignspark.common.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OptimizerTest {

    /** One parameter vector p with gradient buffer g. */
    private static TrainableModel model(double[] p, double[] g) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        params.put("p", Nd4j.createFromArray(p));
        grads.put("p", Nd4j.createFromArray(g));
        return new TrainableModel() {
            @Override
            public Map<String, INDArray> parameters() {
                return params;
            }

            @Override
            public Map<String, INDArray> gradients() {
                return grads;
            }
        };
    }

    @Test
    void sgdSubtractsLearningRateTimesGradient() {
        TrainableModel m = model(new double[]{1, 2}, new double[]{0.5, -1});
        new Optimizer(OptimizerConfig.sgd(0.1), m).step(0, 0);
        assertArrayEquals(new double[]{0.95, 2.1}, m.parameters().get("p").toDoubleVector(), 1e-12);
    }

    @Test
    void adamFirstStepMovesEachParameterByTheLearningRate() {
        // Step 1: m̂ = g, v̂ = g², update = lr·g/(|g| + eps) ≈ lr·sign(g).
        TrainableModel m = model(new double[]{1, 2}, new double[]{0.5, -3});
        LearningRateSchedule constant = new LearningRateSchedule(0.01, 0, 10, LearningRateSchedule.Shape.CONSTANT);
        new Optimizer(new OptimizerConfig(OptimizerConfig.Kind.ADAM, constant, 0.9, 0.999, 1e-8, 0, 0), m).step(0, 0);
        assertArrayEquals(new double[]{0.99, 2.01}, m.parameters().get("p").toDoubleVector(), 1e-7);
    }

    @Test
    void adamStateStartedLateIsBiasCorrectedFromItsOwnFirstStepAtTheScheduleRateOfTheRun() {
        // Warmup over 100 steps to 0.01: the rate at run step 49 is 0.01·50/100 = 0.005. A fresh state's first step
        // (stateStep 0) is bias-corrected as step 1: update = 0.005·g/(|g| + eps) ≈ 0.005·sign(g).
        // Were the bias correction taken at step 50 instead: m̂ = 0.1·g/(1 − 0.9^50), v̂ = 0.001·g²/(1 − 0.999^50),
        // update = 0.005 · 0.1/0.99485 / sqrt(0.001/0.04879) · sign(g) ≈ 0.005 · 0.7021 · sign(g) (0.00351, not 0.005).
        TrainableModel m = model(new double[]{1, 2}, new double[]{0.5, -3});
        LearningRateSchedule warmup = new LearningRateSchedule(0.01, 100, 1000, LearningRateSchedule.Shape.CONSTANT);
        new Optimizer(new OptimizerConfig(OptimizerConfig.Kind.ADAM, warmup, 0.9, 0.999, 1e-8, 0, 0), m).step(49, 0, 0);
        assertArrayEquals(new double[]{0.995, 2.005}, m.parameters().get("p").toDoubleVector(), 1e-7);
    }

    @Test
    void adamWDecaysWeightsApartFromTheGradient() {
        TrainableModel m = model(new double[]{1, 2}, new double[]{0.5, -3});
        LearningRateSchedule constant = new LearningRateSchedule(0.01, 0, 10, LearningRateSchedule.Shape.CONSTANT);
        new Optimizer(OptimizerConfig.adamW(constant, 0.1, 0), m).step(0, 0);
        // p·(1 − lr·wd) − lr·sign(g): 1·0.999 − 0.01, 2·0.999 + 0.01
        assertArrayEquals(new double[]{0.989, 2.008}, m.parameters().get("p").toDoubleVector(), 1e-7);
    }

    @Test
    void clipsTheGlobalGradientNorm() {
        TrainableModel m = model(new double[]{0, 0}, new double[]{3, 4});
        Optimizer sgd = new Optimizer(new OptimizerConfig(OptimizerConfig.Kind.SGD,
                new LearningRateSchedule(1.0, 0, 1, LearningRateSchedule.Shape.CONSTANT), 0, 0, 0, 0, 1.0), m);
        assertEquals(5.0, sgd.step(0, 0), 1e-12);
        // Gradient (3, 4) of norm 5 scaled to norm 1 (minus PyTorch's 1e-6 guard).
        assertArrayEquals(new double[]{-0.6, -0.8}, m.parameters().get("p").toDoubleVector(), 1e-6);
    }

    @Test
    void stateRoundTripsThroughATensorBundle() {
        TrainableModel a = model(new double[]{1, 2}, new double[]{0.5, -3});
        OptimizerConfig config = OptimizerConfig.adamW(new LearningRateSchedule(0.01, 0, 10, LearningRateSchedule.Shape.CONSTANT), 0, 0);
        Optimizer first = new Optimizer(config, a);
        first.step(0, 0);
        TrainableModel b = model(a.parameters().get("p").toDoubleVector(), new double[]{0.5, -3});
        Optimizer second = new Optimizer(config, b);
        second.loadState(first.state());
        a.gradients().get("p").assign(Nd4j.createFromArray(new double[]{0.5, -3}));
        first.step(1, 0);
        second.step(1, 0);
        assertArrayEquals(a.parameters().get("p").toDoubleVector(), b.parameters().get("p").toDoubleVector(), 1e-12);
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        LearningRateSchedule cosine = new LearningRateSchedule(1.0, 4, 14, LearningRateSchedule.Shape.COSINE);
        assertEquals(0.25, cosine.at(0), 1e-12);
        assertEquals(1.0, cosine.at(3), 1e-12);
        assertEquals(1.0, cosine.at(4), 1e-12);
        assertEquals(0.5, cosine.at(9), 1e-12);
        assertEquals(0.0, cosine.at(14), 1e-12);
        LearningRateSchedule linear = new LearningRateSchedule(1.0, 0, 10, LearningRateSchedule.Shape.LINEAR);
        assertEquals(0.7, linear.at(3), 1e-12);
        assertEquals(1.0, new LearningRateSchedule(1.0, 0, 10, LearningRateSchedule.Shape.CONSTANT).at(9), 1e-12);
    }

    @Test
    void bundlesSumScaleAndCopyBack() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("a", Nd4j.createFromArray(new float[][]{{1, 2}, {3, 4}}));
        TensorBundle twice = TensorBundle.of(tensors).addInPlace(TensorBundle.of(tensors)).scaleInPlace(0.25);
        twice.copyInto(tensors);
        assertArrayEquals(new float[]{0.5f, 1, 1.5f, 2}, tensors.get("a").data().asFloat());
        assertEquals(DataType.FLOAT, tensors.get("a").dataType());
    }
}
