package org.alignspark.common.lm;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bytes of the arrays a model holds besides its parameters and their gradients: every activation, scratch and
 * gradient buffer its layers keep between calls, found by walking the engine's own objects (this package's classes,
 * and lists and arrays of them) from the model, each underlying buffer counted once however many views of it the
 * layers keep. A KV cache belongs to its caller and is left out, as are the parameters of every kind (weights,
 * gradients, LoRA adapters), and lambdas (whose captured objects are reached through their owners).
 */
final class ActivationBytes {
    private ActivationBytes() {
    }

    static long of(Object model, Parameters... parameters) {
        Set<DataBuffer> excluded = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Parameters p : parameters) {
            p.values().values().forEach(a -> excluded.add(root(a)));
            p.gradients().values().forEach(a -> excluded.add(root(a)));
        }
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<DataBuffer> counted = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(model);
        long bytes = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!seen.add(o)) {
                continue;
            }
            if (o instanceof INDArray a) {
                DataBuffer root = root(a);
                if (!excluded.contains(root) && counted.add(root)) {
                    bytes += root.length() * root.getElementSize();
                }
                continue;
            }
            if (o instanceof Iterable<?> items) {
                items.forEach(item -> push(todo, item));
                continue;
            }
            if (o instanceof Map<?, ?> map) {
                map.values().forEach(item -> push(todo, item));
                continue;
            }
            if (o instanceof Object[] items) {
                for (Object item : items) {
                    push(todo, item);
                }
                continue;
            }
            for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    f.setAccessible(true);
                    try {
                        push(todo, f.get(o));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return bytes;
    }

    /** Only what the engine's layers hold: arrays, this package's objects and the containers holding them. */
    private static void push(Deque<Object> todo, Object o) {
        if (o == null || ModelGraph.isShared(o)) {
            return;
        }
        boolean engine = ModelGraph.isEngineObject(o);
        if (o instanceof INDArray || engine || o instanceof Iterable<?> || o instanceof Map<?, ?> || o instanceof Object[]) {
            todo.push(o);
        }
    }

    private static DataBuffer root(INDArray a) {
        DataBuffer d = a.data();
        while (d.originalDataBuffer() != null && d.originalDataBuffer() != d) {
            d = d.originalDataBuffer();
        }
        return d;
    }
}
