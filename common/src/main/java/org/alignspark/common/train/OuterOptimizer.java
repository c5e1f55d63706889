package org.alignspark.common.train;

/**
 * The outer step of local SGD / DiLoCo: the driver treats the averaged change of the workers' parameters over a round
 * as a gradient and takes one SGD step with Nesterov momentum on it.
 *
 * <p>Douillard et al., "DiLoCo: Distributed Low-Communication Training of Language Models", arXiv 2311.08105,
 * §2, Algorithm 1: the outer gradient is {@code Δ = θ(t−1) − (1/k) Σ_i θ_i(t)}, the global parameters before the
 * round minus the mean of the workers' parameters after it, and the outer optimizer is Nesterov momentum (their
 * lr 0.7, momentum 0.9). The step is PyTorch's {@code torch.optim.SGD(nesterov=True, dampening=0, weight_decay=0)}:
 * <pre>
 *   buf ← μ·buf + Δ                    (buf starts at 0, so the first buf is Δ, as torch's clone of the gradient)
 *   θ   ← θ − lr·(Δ + μ·buf)
 * </pre>
 * With μ = 0 and lr = 1 the step is θ − Δ = mean of the workers' parameters: plain parameter averaging, i.e. local
 * SGD with periodic averaging (Lin et al., "Don't Use Large Mini-Batches, Use Local SGD", ICLR 2020,
 * arXiv 1808.07217: each worker takes H local steps, then the workers' parameters are averaged).
 * It is computed as the algebraically equal {@code mean + (1 − lr)·Δ − lr·μ·buf} so that this case returns the mean
 * bit for bit rather than θ − (θ − mean), which rounds.
 *
 * <p>A float32 model's θ and buf are rounded to float32 after each step, as torch's float32 tensors hold them: the
 * workers receive θ as float32 anyway, and a checkpoint stores both as float32, so a resumed run continues from
 * exactly the values the uninterrupted run holds.
 */
public final class OuterOptimizer {
    private final double learningRate;
    private final double momentum;
    private TensorBundle buffer;

    /**
     * @param learningRate the outer learning rate (1: plain averaging)
     * @param momentum the Nesterov momentum μ in [0, 1) (0: no momentum)
     */
    public OuterOptimizer(double learningRate, double momentum) {
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("outer learning rate must be > 0 and outer momentum in [0, 1), got "
                    + learningRate + " and " + momentum);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    /**
     * One outer step, in place on {@code global}: from the global parameters before the round and the mean of the
     * workers' parameters after it, to the next global parameters (returned, the same object as {@code global}).
     */
    public TensorBundle step(TensorBundle global, TensorBundle workerMean) {
        if (buffer == null) {
            buffer = global.zerosLike();
        }
        if (workerMean.size() != global.size() || buffer.size() != global.size()) {
            throw new IllegalArgumentException("the global parameters, the workers' mean and the momentum buffer hold "
                    + global.size() + ", " + workerMean.size() + " and " + buffer.size() + " tensors");
        }
        boolean float32 = global.isFloat32();
        for (int i = 0; i < global.size(); i++) {   // by name: a checkpoint's tensors need not be in the model's order
            double[] theta = global.values(i);
            double[] mean = valuesOf(workerMean, global.name(i), theta.length);
            double[] buf = valuesOf(buffer, global.name(i), theta.length);
            for (int j = 0; j < theta.length; j++) {
                double delta = theta[j] - mean[j];        // the outer gradient Δ
                buf[j] = momentum * buf[j] + delta;
                theta[j] = mean[j] + (1 - learningRate) * delta - learningRate * momentum * buf[j];
                if (float32) {
                    buf[j] = (float) buf[j];
                    theta[j] = (float) theta[j];
                }
            }
        }
        return global;
    }

    private static double[] valuesOf(TensorBundle bundle, String name, int length) {
        int index = bundle.indexOf(name);
        if (index < 0 || bundle.values(index).length != length) {
            throw new IllegalArgumentException("tensor '" + name + "' is missing or differs in size");
        }
        return bundle.values(index);
    }

    /** The momentum buffer (zeros before the first step), for checkpoints; the same object as the optimizer's. */
    public TensorBundle momentumBuffer(TensorBundle likeParameters) {
        if (buffer == null) {
            buffer = likeParameters.zerosLike();
        }
        return buffer;
    }

    /** Restores the buffer a checkpoint kept. */
    public void loadMomentumBuffer(TensorBundle saved) {
        buffer = saved;
    }
}
