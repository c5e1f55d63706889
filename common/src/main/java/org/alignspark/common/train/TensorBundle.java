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
 * lost), one made from float64 arrays as float64, and a bundle of parameter changes may travel as bfloat16
 * ({@link #inBfloat16()}).
 */
public final class TensorBundle implements Serializable {
    /** How a bundle's values are written on the wire. */
    public enum Wire {
        FLOAT64(Double.BYTES), FLOAT32(Float.BYTES),
        /** The upper 16 bits of the float32, rounded to nearest even: float32's range, 8 significant bits. */
        BFLOAT16(2);

        final int bytes;

        Wire(int bytes) {
            this.bytes = bytes;
        }
    }

    private final String[] names;
    private final long[][] shapes;
    private transient double[][] values;
    private final Wire wire;

    private TensorBundle(String[] names, long[][] shapes, double[][] values, Wire wire) {
        this.names = names;
        this.shapes = shapes;
        this.values = values;
        this.wire = wire;
    }

    /** Values go through a reused chunk of this many float32 values: no per-tensor float[] copy on either side. */
    private static final int CHUNK = 1 << 14;

    /**
     * float32 and bfloat16 bundles are written as raw little-endian values in chunks through one reused buffer, float32
     * chunks copied in bulk through a float[] and a FloatBuffer view; float64 bundles go as Java's double[].
     */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        java.nio.ByteBuffer bytes = wire == Wire.FLOAT64 ? null
                : java.nio.ByteBuffer.allocate(CHUNK * wire.bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer floats = wire == Wire.FLOAT32 ? bytes.asFloatBuffer() : null;
        float[] chunk = wire == Wire.FLOAT32 ? new float[CHUNK] : null;
        for (double[] v : values) {
            if (wire == Wire.FLOAT64) {
                out.writeObject(v);
                continue;
            }
            out.writeInt(v.length);
            for (int start = 0; start < v.length; start += CHUNK) {
                int n = Math.min(CHUNK, v.length - start);
                if (wire == Wire.FLOAT32) {
                    for (int j = 0; j < n; j++) {
                        chunk[j] = (float) v[start + j];
                    }
                    floats.clear();
                    floats.put(chunk, 0, n);
                } else {
                    bytes.clear();
                    for (int j = 0; j < n; j++) {
                        bytes.putShort(toBfloat16((float) v[start + j]));
                    }
                }
                out.write(bytes.array(), 0, n * wire.bytes);
            }
        }
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        values = new double[names.length][];
        java.nio.ByteBuffer bytes = wire == Wire.FLOAT64 ? null
                : java.nio.ByteBuffer.allocate(CHUNK * wire.bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer floats = wire == Wire.FLOAT32 ? bytes.asFloatBuffer() : null;
        float[] chunk = wire == Wire.FLOAT32 ? new float[CHUNK] : null;
        for (int i = 0; i < names.length; i++) {
            if (wire == Wire.FLOAT64) {
                values[i] = (double[]) in.readObject();
                continue;
            }
            double[] v = new double[in.readInt()];
            for (int start = 0; start < v.length; start += CHUNK) {
                int n = Math.min(CHUNK, v.length - start);
                in.readFully(bytes.array(), 0, n * wire.bytes);
                if (wire == Wire.FLOAT32) {
                    floats.clear();
                    floats.get(chunk, 0, n);
                    for (int j = 0; j < n; j++) {
                        v[start + j] = chunk[j];
                    }
                } else {
                    bytes.clear();
                    for (int j = 0; j < n; j++) {
                        v[start + j] = Float.intBitsToFloat(bytes.getShort() << 16);
                    }
                }
            }
            values[i] = v;
        }
    }

    /**
     * float32 → bfloat16, rounding to nearest even as torch's {@code tensor.to(torch.bfloat16)} does; a NaN stays a
     * (quiet) NaN, which the driver's non-finite check then reports.
     */
    static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
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
        return new TensorBundle(names, shapes, values, single ? Wire.FLOAT32 : Wire.FLOAT64);
    }

    /**
     * The same values (shared, not copied), travelling as float32 whatever the arrays they came from: half the bytes
     * of a float64 bundle on the wire; sums and averages on the receiving side are still kept in double.
     */
    public TensorBundle inFloat32() {
        return wire == Wire.FLOAT32 ? this : new TensorBundle(names, shapes, values, Wire.FLOAT32);
    }

    /**
     * The same values (shared), travelling as bfloat16: a quarter of float64's bytes, but only 8 significant bits, so
     * for what tolerates that (a round's change of the parameters, not the parameters themselves).
     */
    public TensorBundle inBfloat16() {
        return wire == Wire.BFLOAT16 ? this : new TensorBundle(names, shapes, values, Wire.BFLOAT16);
    }

    /** How the values travel. */
    public Wire wire() {
        return wire;
    }

    /** Whether the values travel as float32 (they came from float32 arrays, or {@link #inFloat32()}). */
    public boolean isFloat32() {
        return wire == Wire.FLOAT32;
    }

    /** Bytes of tensor values this bundle puts on the wire: 8 per value as float64, 4 as float32, 2 as bfloat16 (names and shapes not counted). */
    public long wireBytes() {
        long count = 0;
        for (double[] v : values) {
            count += v.length;
        }
        return count * wire.bytes;
    }

    /** A bundle of zeros shaped like this one: the identity of {@link #addInPlace}. */
    public TensorBundle zerosLike() {
        double[][] zeros = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            zeros[i] = new double[values[i].length];
        }
        return new TensorBundle(names, shapes, zeros, wire);
    }

    /** this += other, tensor by tensor, matched by name; both must hold the same names and shapes. */
    public TensorBundle addInPlace(TensorBundle other) {
        double[][] theirs = alignedValues(other);
        for (int i = 0; i < values.length; i++) {
            double[] a = values[i];
            double[] b = theirs[i];
            for (int j = 0; j < a.length; j++) {
                a[j] += b[j];
            }
        }
        return this;
    }

    /** this −= other, tensor by tensor, matched by name; both must hold the same names and shapes. */
    public TensorBundle subtractInPlace(TensorBundle other) {
        double[][] theirs = alignedValues(other);
        for (int i = 0; i < values.length; i++) {
            double[] a = values[i];
            double[] b = theirs[i];
            for (int j = 0; j < a.length; j++) {
                a[j] -= b[j];
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

    /**
     * {@code other}'s value arrays in this bundle's order (a checkpoint's tensors need not be in the model's order);
     * the same names and shapes are required.
     */
    private double[][] alignedValues(TensorBundle other) {
        if (Arrays.equals(names, other.names)) {
            checkSameLayout(other);
            return other.values;
        }
        if (other.names.length != names.length) {
            throw new IllegalArgumentException("bundles hold different tensors: " + Arrays.toString(names) + " vs "
                    + Arrays.toString(other.names));
        }
        double[][] aligned = new double[names.length][];
        for (int i = 0; i < names.length; i++) {
            int j = other.indexOf(names[i]);
            if (j < 0) {
                throw new IllegalArgumentException("bundles hold different tensors: '" + names[i] + "' is missing from "
                        + Arrays.toString(other.names));
            }
            if (!Arrays.equals(shapes[i], other.shapes[j])) {
                throw new IllegalArgumentException("tensor '" + names[i] + "' differs in shape");
            }
            aligned[i] = other.values[j];
        }
        return aligned;
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
