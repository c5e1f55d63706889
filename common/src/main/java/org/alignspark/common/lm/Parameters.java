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
 * A frozen set (a LoRA base) holds no gradient buffers: {@link #gradient} is null and layers accumulate none.
 */
public final class Parameters {
    private final DataType dataType;
    private final Map<String, INDArray> values;
    private final Map<String, INDArray> gradients;
    private final boolean shared;
    private final boolean frozen;
    private final LoraAdapters adapters;   // the adapters layers attach to their projections, or null

    Parameters(DataType dataType) {
        this(dataType, false);
    }

    Parameters(DataType dataType, boolean frozen) {
        this(dataType, new LinkedHashMap<>(), new LinkedHashMap<>(), false, frozen, null);
    }

    private Parameters(DataType dataType, Map<String, INDArray> values, Map<String, INDArray> gradients,
                       boolean shared, boolean frozen, LoraAdapters adapters) {
        this.dataType = dataType;
        this.values = values;
        this.gradients = gradients;
        this.shared = shared;
        this.frozen = frozen;
        this.adapters = adapters;
    }

    /** The same arrays, for a model replica: {@link #add} then binds to the existing parameter of that name. */
    Parameters shared() {
        return new Parameters(dataType, values, gradients, true, frozen, adapters == null ? null : adapters.shared());
    }

    /**
     * The same values, read-only and without gradients, for a model that trains {@code adapters} on this frozen base
     * ({@code null}: the base alone); {@link #add} binds to the existing parameter of that name.
     */
    Parameters frozenWith(LoraAdapters adapters) {
        return new Parameters(dataType, values, Map.of(), true, true, adapters);
    }

    /** The adapters that projections built over these parameters carry, or null. */
    LoraAdapters adapters() {
        return adapters;
    }

    /** Whether these parameters take no gradients (a frozen base). */
    public boolean frozen() {
        return frozen;
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
        if (!frozen) {
            gradients.put(name, Nd4j.create(dataType, shape));
        }
        return value;
    }

    /** The gradient buffer of {@code name}; null when these parameters are frozen. */
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
