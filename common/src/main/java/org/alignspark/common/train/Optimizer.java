package org.alignspark.common.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * One ND4J {@link GradientUpdater} per parameter, with global-norm clipping and AdamW's decoupled weight decay around
 * it. The updater state (Adam's M and V) lives in one flat array per parameter, exported as a {@link TensorBundle} so
 * it can be averaged across workers and checkpointed.
 *
 * <p>The updaters run at learning rate 1 and their update is scaled by the schedule's rate afterwards (SGD's and
 * Adam's updates are linear in it: Kingma and Ba 2015, Algorithm 1), so that the step of the learning-rate schedule and
 * the step of Adam's bias correction can differ: a worker's inner state that starts afresh in the middle of a run
 * (--averaging outer) is bias-corrected from its own first step, as torch.optim.Adam counts {@code state['step']} per
 * state, while the rate follows the run's schedule.
 */
public final class Optimizer {
    private final OptimizerConfig config;
    private final Map<String, INDArray> parameters;
    private final Map<String, INDArray> gradients;
    private final Map<String, INDArray> states = new LinkedHashMap<>();
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();

    public Optimizer(OptimizerConfig config, TrainableModel model) {
        this.config = config;
        this.parameters = model.parameters();
        this.gradients = model.gradients();
        IUpdater updater = switch (config.kind()) {
            case SGD -> new Sgd(1.0);
            case ADAM, ADAMW -> Adam.builder().learningRate(1.0)
                    .beta1(config.beta1()).beta2(config.beta2()).epsilon(config.epsilon()).build();
        };
        for (Map.Entry<String, INDArray> p : parameters.entrySet()) {
            long size = updater.stateSize(p.getValue().length());
            INDArray state = size == 0 ? null : Nd4j.zeros(p.getValue().dataType(), 1, size);
            states.put(p.getKey(), state);
            updaters.put(p.getKey(), updater.instantiate(state, true));
        }
    }

    /**
     * Applies one update from the model's gradient buffers, which hold the applied update afterwards (ND4J's updaters
     * work in place); returns the gradient norm before clipping.
     */
    public double step(int iteration, int epoch) {
        return step(iteration, epoch, iteration);
    }

    /**
     * As {@link #step(int, int)}, with {@code stateStep} the steps this optimizer state has taken before this one (Adam's
     * bias correction) apart from {@code iteration}, the run's step (the learning-rate schedule).
     */
    public double step(int iteration, int epoch, int stateStep) {
        double norm = globalNorm();
        if (config.maxGradNorm() > 0 && norm > config.maxGradNorm()) {
            double scale = config.maxGradNorm() / (norm + 1e-6);
            gradients.values().forEach(g -> g.muli(scale));
        }
        double learningRate = config.schedule().at(iteration);
        for (Map.Entry<String, INDArray> p : parameters.entrySet()) {
            INDArray param = p.getValue();
            INDArray update = gradients.get(p.getKey()).reshape(1, param.length());
            updaters.get(p.getKey()).applyUpdater(update, stateStep, epoch);
            update.muli(learningRate);
            if (config.kind() == OptimizerConfig.Kind.ADAMW && config.weightDecay() > 0) {
                param.muli(1 - learningRate * config.weightDecay());
            }
            param.subi(update.reshape(param.shape()));
        }
        return norm;
    }

    /** sqrt of the sum of squared gradient entries over all parameters. */
    public double globalNorm() {
        double sumSquares = 0;
        for (INDArray g : gradients.values()) {
            double n = g.norm2Number().doubleValue();
            sumSquares += n * n;
        }
        return Math.sqrt(sumSquares);
    }

    /** The updater state of every parameter that has one (none for SGD). */
    public TensorBundle state() {
        Map<String, INDArray> present = new LinkedHashMap<>();
        states.forEach((name, state) -> {
            if (state != null) {
                present.put(name, state);
            }
        });
        return TensorBundle.of(present);
    }

    public void loadState(TensorBundle state) {
        Map<String, INDArray> present = new LinkedHashMap<>();
        states.forEach((name, s) -> {
            if (s != null) {
                present.put(name, s);
            }
        });
        state.copyInto(present);
    }
}
