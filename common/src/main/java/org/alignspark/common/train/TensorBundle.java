package org.alignspark.common.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Named tensors as plain Java arrays: the form in which parameters and optimizer state cross the wire (broadcast,
 * treeAggregate) and are summed and averaged. Values are kept in double so sums over many workers lose nothing; a
 * bundle made from float32 arrays travels as float32 (half the bytes, and nothing the float32 model could use is
 * lost), one made from float64 arrays as float64.
 */
public final class TensorBundle implements Serializable {
    private final String[] names;
    private final long[][] shapes;
    private transient double[][] values;
    private final boolean singlePrecision;

    private TensorBundle(String[] names, long[][] shapes, double[][] values, boolean singlePrecision) {
        this.names = names;
        this.shapes = shapes;
        this.values = values;
        this.singlePrecision = singlePrecision;
    }

    /** Values go through a reused chunk of this many float32 values: no per-tensor float[] copy on either side. */
    private static final int CHUNK = 1 << 14;

    /**
     * float32 bundles are written as raw little-endian floats in chunks (about twice as fast both ways as Java's own
     * float[] encoding, measured on a 9.6 M-value bundle); float64 ones as Java's double[].
     */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        byte[] bytes = singlePrecision ? new byte[CHUNK * Float.BYTES] : null;
        java.nio.FloatBuffer floats = singlePrecision ? java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer() : null;
        float[] chunk = singlePrecision ? new float[CHUNK] : null;
        for (double[] v : values) {
            if (!singlePrecision) {
                out.writeObject(v);
                continue;
            }
            out.writeInt(v.length);
            for (int start = 0; start < v.length; start += CHUNK) {
                int n = Math.min(CHUNK, v.length - start);
                for (int j = 0; j < n; j++) {
                    chunk[j] = (float) v[start + j];
                }
                floats.clear();
                floats.put(chunk, 0, n);
                out.write(bytes, 0, n * Float.BYTES);
            }
        }
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        values = new double[names.length][];
        byte[] bytes = singlePrecision ? new byte[CHUNK * Float.BYTES] : null;
        java.nio.FloatBuffer floats = singlePrecision ? java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer() : null;
        float[] chunk = singlePrecision ? new float[CHUNK] : null;
        for (int i = 0; i < names.length; i++) {
            if (!singlePrecision) {
                values[i] = (double[]) in.readObject();
                continue;
            }
            double[] v = new double[in.readInt()];
            for (int start = 0; start < v.length; start += CHUNK) {
                int n = Math.min(CHUNK, v.length - start);
                in.readFully(bytes, 0, n * Float.BYTES);
                floats.clear();
                floats.get(chunk, 0, n);
                for (int j = 0; j < n; j++) {
                    v[start + j] = chunk[j];
                }
            }
            values[i] = v;
        }
    }

    /** Copies the arrays' current values, in map order. */
    public static TensorBundle of(Map<String, INDArray> tensors) {
        int n = tensors.size();
        String[] names = new String[n];
        long[][] shapes = new long[n][];
        double[][] values = new double[n][];
        boolean single = true;
        int i = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            single &= e.getValue().dataType() == DataType.FLOAT;
            names[i] = e.getKey();
            shapes[i] = e.getValue().shape();
            values[i] = e.getValue().dup().data().asDouble();
            i++;
        }
        return new TensorBundle(names, shapes, values, single);
    }

    /**
     * The same values (shared, not copied), travelling as float32 whatever the arrays they came from: half the bytes
     * of a float64 bundle on the wire; sums and averages on the receiving side are still kept in double.
     */
    public TensorBundle inFloat32() {
        return singlePrecision ? this : new TensorBundle(names, shapes, values, true);
    }

    /** Whether the values travel as float32 (they came from float32 arrays, or {@link #inFloat32()}). */
    public boolean isFloat32() {
        return singlePrecision;
    }

    /** Bytes of tensor values this bundle puts on the wire: 4 per value as float32, 8 as float64 (names and shapes not counted). */
    public long wireBytes() {
        long count = 0;
        for (double[] v : values) {
            count += v.length;
        }
        return count * (singlePrecision ? Float.BYTES : Double.BYTES);
    }

    /** A bundle of zeros shaped like this one: the identity of {@link #addInPlace}. */
    public TensorBundle zerosLike() {
        double[][] zeros = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            zeros[i] = new double[values[i].length];
        }
        return new TensorBundle(names, shapes, zeros, singlePrecision);
    }

    /** this += other, tensor by tensor; both must hold the same names and shapes. */
    public TensorBundle addInPlace(TensorBundle other) {
        checkSameLayout(other);
        for (int i = 0; i < values.length; i++) {
            double[] a = values[i];
            double[] b = other.values[i];
            for (int j = 0; j < a.length; j++) {
                a[j] += b[j];
            }
        }
        return this;
    }

    public TensorBundle scaleInPlace(double factor) {
        for (double[] v : values) {
            for (int j = 0; j < v.length; j++) {
                v[j] *= factor;
            }
        }
        return this;
    }

    /** Whether {@code tensors} has exactly this bundle's names and shapes, so {@link #copyInto} can fill it. */
    public boolean fits(Map<String, INDArray> tensors) {
        if (tensors.size() != names.length) {
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            INDArray target = tensors.get(names[i]);
            if (target == null || !Arrays.equals(target.shape(), shapes[i])) {
                return false;
            }
        }
        return true;
    }

    /** Writes the values into existing arrays of the same names and shapes (converting to their data type). */
    public void copyInto(Map<String, INDArray> tensors) {
        if (tensors.size() != names.length) {
            throw new IllegalArgumentException("bundle has " + names.length + " tensors, target has " + tensors.size());
        }
        for (int i = 0; i < names.length; i++) {
            INDArray target = tensors.get(names[i]);
            if (target == null) {
                throw new IllegalArgumentException("target has no tensor '" + names[i] + "'");
            }
            if (!Arrays.equals(target.shape(), shapes[i])) {
                throw new IllegalArgumentException("tensor '" + names[i] + "' has shape " + Arrays.toString(target.shape())
                        + ", bundle has " + Arrays.toString(shapes[i]));
            }
            target.assign(Nd4j.createFromArray(values[i]).castTo(target.dataType()).reshape(shapes[i]));
        }
    }

    /** New arrays of the given data type holding these values. */
    public Map<String, INDArray> toArrays(DataType dataType) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            arrays.put(names[i], Nd4j.createFromArray(values[i]).castTo(dataType).reshape(shapes[i]));
        }
        return arrays;
    }

    public boolean allFinite() {
        for (double[] v : values) {
            for (double x : v) {
                if (!Double.isFinite(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The first tensor holding a NaN or infinity, or null. */
    public String firstNonFinite() {
        for (int i = 0; i < values.length; i++) {
            for (double x : values[i]) {
                if (!Double.isFinite(x)) {
                    return names[i];
                }
            }
        }
        return null;
    }

    public int size() {
        return names.length;
    }

    /** Position of the tensor with this name, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public String name(int i) {
        return names[i];
    }

    public long[] shape(int i) {
        return shapes[i].clone();
    }

    public double[] values(int i) {
        return values[i];
    }

    /** Largest absolute difference between two bundles of the same layout. */
    public double maxAbsDifference(TensorBundle other) {
        checkSameLayout(other);
        double max = 0;
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < values[i].length; j++) {
                max = Math.max(max, Math.abs(values[i][j] - other.values[i][j]));
            }
        }
        return max;
    }

    private void checkSameLayout(TensorBundle other) {
        if (!Arrays.equals(names, other.names)) {
            throw new IllegalArgumentException("bundles hold different tensors: " + Arrays.toString(names) + " vs "
                    + Arrays.toString(other.names));
        }
        for (int i = 0; i < shapes.length; i++) {
            if (!Arrays.equals(shapes[i], other.shapes[i])) {
                throw new IllegalArgumentException("tensor '" + names[i] + "' differs in shape");
            }
        }
    }
}
