package org.alignspark.common.lm;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The model's parameters by Hugging Face name, in registration order, each with a gradient buffer of the
 * same shape. Layers write into these arrays in place, so a trainer may update or average them directly.
 */
public final class Parameters {
    private final DataType dataType;
    private final Map<String, INDArray> values;
    private final Map<String, INDArray> gradients;
    private final boolean shared;

    Parameters(DataType dataType) {
        this(dataType, new LinkedHashMap<>(), new LinkedHashMap<>(), false);
    }

    private Parameters(DataType dataType, Map<String, INDArray> values, Map<String, INDArray> gradients,
                       boolean shared) {
        this.dataType = dataType;
        this.values = values;
        this.gradients = gradients;
        this.shared = shared;
    }

    /** The same arrays, for a model replica: {@link #add} then binds to the existing parameter of that name. */
    Parameters shared() {
        return new Parameters(dataType, values, gradients, true);
    }

    /** Registers a zero-initialised parameter and its gradient buffer. */
    INDArray add(String name, long... shape) {
        return add(name, 0.0, shape);
    }

    /** Registers a parameter filled with {@code initial} (or, when shared, returns the existing one). */
    INDArray add(String name, double initial, long... shape) {
        if (shared) {
            INDArray existing = values.get(name);
            if (existing == null || !Arrays.equals(existing.shape(), shape)) {
                throw new IllegalStateException("replica parameter " + name + " does not match the original");
            }
            return existing;
        }
        if (values.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter " + name);
        }
        INDArray value = Nd4j.valueArrayOf(shape, initial, dataType);
        values.put(name, value);
        gradients.put(name, Nd4j.create(dataType, shape));
        return value;
    }

    INDArray gradient(String name) {
        return gradients.get(name);
    }

    /** Parameter name → value, in model order; the arrays are the live weights. */
    public Map<String, INDArray> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Parameter name → accumulated gradient, same order and shapes as {@link #values()}. */
    public Map<String, INDArray> gradients() {
        return Collections.unmodifiableMap(gradients);
    }

    public void zeroGradients() {
        gradients.values().forEach(g -> g.assign(0));
    }

    public long count() {
        return values.values().stream().mapToLong(INDArray::length).sum();
    }

    public DataType dataType() {
        return dataType;
    }
}
