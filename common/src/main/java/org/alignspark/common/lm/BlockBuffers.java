package org.alignspark.common.lm;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient checkpointing's single set of block buffers: {@link #move} hands every activation, scratch and gradient
 * buffer one transformer block holds to another block of the same structure, which then computes into them. The
 * buffers are the engine's own non-final {@link INDArray} fields (what {@link Buffers#reuse} fills); parameters,
 * their gradients and the adapters' A and B are final fields and stay where they are. The walk goes through the
 * block's layers (this package's objects, reached by any field) in parallel in both blocks, so the same field of the
 * same layer moves; where the two blocks differ (a LoRA adapter on one block's projection only) that part is left
 * alone and allocates its own buffers. Only the block the model runs next holds buffers, so the blocks of a
 * checkpointed forward and backward hold one block's worth of activations instead of one per layer.
 */
final class BlockBuffers {
    /** Per class: its buffer fields and its fields that may hold layers, superclasses' included. */
    private static final ClassValue<Fields> FIELDS = new ClassValue<>() {
        @Override
        protected Fields computeValue(Class<?> type) {
            List<Field> buffers = new ArrayList<>();
            List<Field> layers = new ArrayList<>();
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    int mod = f.getModifiers();
                    if (Modifier.isStatic(mod) || f.getType().isPrimitive()) {
                        continue;
                    }
                    f.setAccessible(true);
                    if (f.getType() == INDArray.class) {
                        if (!Modifier.isFinal(mod)) {
                            buffers.add(f);
                        }
                    } else {
                        layers.add(f);
                    }
                }
            }
            return new Fields(buffers, layers);
        }
    };

    private record Fields(List<Field> buffers, List<Field> layers) {
    }

    private BlockBuffers() {
    }

    /** Moves {@code from}'s buffers to {@code to} (a block of the same model), leaving {@code from} without any. */
    static void move(TransformerBlock from, TransformerBlock to) {
        moveFields(from, to);
    }

    private static void moveFields(Object from, Object to) {
        Fields fields = FIELDS.get(from.getClass());
        try {
            for (Field f : fields.buffers()) {
                f.set(to, f.get(from));
                f.set(from, null);
            }
            for (Field f : fields.layers()) {
                Object a = f.get(from);
                Object b = f.get(to);
                if (a != null && b != null && a != b && a.getClass() == b.getClass() && isLayer(a)) {
                    moveFields(a, b);
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A layer object: the engine's own, not shared with the model, and not the pass's {@link Step} (one per pass). */
    private static boolean isLayer(Object o) {
        return ModelGraph.isEngineObject(o) && !ModelGraph.isShared(o) && !(o instanceof Step);
    }
}
