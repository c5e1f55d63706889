package org.alignspark.common.lm;

/**
 * What the walks over a model's object graph ({@link ActivationBytes}, {@link BlockBuffers}) take for its layers: this
 * package's objects, less what the layers share with the model or its caller rather than own.
 */
final class ModelGraph {
    private static final String PACKAGE = ModelGraph.class.getPackageName();

    private ModelGraph() {
    }

    /** Whether {@code o} is one of the engine's own objects (this package's classes). */
    static boolean isEngineObject(Object o) {
        return o.getClass().getPackageName().equals(PACKAGE);
    }

    /**
     * What no layer owns: the parameters of every kind (weights, gradients, LoRA adapters), a caller's KV cache, the
     * config, enum constants, and lambdas (whose captured objects are reached through their owners).
     */
    static boolean isShared(Object o) {
        return o instanceof Parameters || o instanceof LoraAdapters || o instanceof KvCache || o instanceof ModelConfig
                || o instanceof Enum<?> || o.getClass().isHidden();
    }
}
