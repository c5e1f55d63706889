package org.alignspark.common.lm;

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
    private final Map<String, INDArray> values = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();

    Parameters(DataType dataType) {
        this.dataType = dataType;
    }

    /** Registers a zero-initialised parameter and its gradient buffer. */
    INDArray add(String name, long... shape) {
        if (values.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter " + name);
        }
        INDArray value = Nd4j.create(dataType, shape);
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
