package org.alignspark.common.lm.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the tensors' raw
 * little-endian bytes, offsets counted from the end of the header. Reads F32, F16, BF16 and F64 (converted to
 * the requested floating type) and I64/I32 (as LONG/INT); writes F32.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    private record Entry(String name, String dtype, long[] shape, long begin, long end) {
    }

    /** Reads every tensor of {@code in}; {@code file} names the source in error messages. */
    public static Map<String, INDArray> read(InputStream in, String file, DataType floatType) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] lengthBytes = new byte[8];
        try {
            data.readFully(lengthBytes);
        } catch (EOFException e) {
            throw new CheckpointException(file + ": corrupt safetensors header: file shorter than 8 bytes");
        }
        long headerLength = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 1 || headerLength > MAX_HEADER) {
            throw new CheckpointException(file + ": corrupt safetensors header: header length " + headerLength);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        try {
            data.readFully(headerBytes);
        } catch (EOFException e) {
            throw new CheckpointException(file + ": corrupt safetensors header: file ends inside the "
                    + headerLength + "-byte header");
        }
        List<Entry> entries = parseHeader(headerBytes, file);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        long position = 0;
        for (Entry e : entries) {
            if (e.begin() < position) {
                throw new CheckpointException(file + ": corrupt safetensors header: tensor " + e.name()
                        + " overlaps the previous tensor");
            }
            data.skipNBytes(e.begin() - position);
            byte[] bytes = new byte[Math.toIntExact(e.end() - e.begin())];
            try {
                data.readFully(bytes);
            } catch (EOFException ex) {
                throw new CheckpointException(file + ": truncated: tensor " + e.name() + " needs bytes ["
                        + e.begin() + ", " + e.end() + ") of the data section, but the file ends first");
            }
            position = e.end();
            tensors.put(e.name(), decode(e, bytes, floatType));
        }
        return tensors;
    }

    private static List<Entry> parseHeader(byte[] headerBytes, String file) {
        JsonNode header;
        try {
            header = JSON.readTree(headerBytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": corrupt safetensors header: not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(file + ": corrupt safetensors header: not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = field.getValue();
            JsonNode shapeNode = t.get("shape");
            JsonNode offsets = t.get("data_offsets");
            if (!t.hasNonNull("dtype") || shapeNode == null || !shapeNode.isArray() || offsets == null
                    || !offsets.isArray() || offsets.size() != 2) {
                throw new CheckpointException(file + ": corrupt safetensors header: tensor " + name
                        + " lacks dtype, shape or data_offsets");
            }
            String dtype = t.get("dtype").asText();
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) {
                    throw new CheckpointException(file + ": corrupt safetensors header: tensor " + name
                            + " has shape " + shapeNode);
                }
                count *= shape[i];
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end - begin != count * bytesPerElement(dtype, name, file)) {
                throw new CheckpointException(file + ": corrupt safetensors header: tensor " + name + " of shape "
                        + Arrays.toString(shape) + " and dtype " + dtype + " has data_offsets " + offsets);
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        return entries;
    }

    private static int bytesPerElement(String dtype, String name, String file) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new CheckpointException(file + ": tensor " + name + " has unsupported dtype " + dtype);
        };
    }

    private static INDArray decode(Entry e, byte[] bytes, DataType floatType) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = bytes.length / bytesPerElement(e.dtype(), e.name(), "");
        switch (e.dtype()) {
            case "I64": {
                long[] values = new long[n];
                buffer.asLongBuffer().get(values);
                return Nd4j.createFromArray(values).reshape(e.shape());
            }
            case "I32": {
                int[] values = new int[n];
                buffer.asIntBuffer().get(values);
                return Nd4j.createFromArray(values).reshape(e.shape());
            }
            case "F64": {
                double[] values = new double[n];
                buffer.asDoubleBuffer().get(values);
                return Nd4j.create(values, e.shape(), floatType);
            }
            default: {
                float[] values = new float[n];
                if (e.dtype().equals("F32")) {
                    buffer.asFloatBuffer().get(values);
                } else {
                    boolean bf16 = e.dtype().equals("BF16");
                    for (int i = 0; i < n; i++) {
                        short bits = buffer.getShort(2 * i);
                        values[i] = bf16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : halfToFloat(bits);
                    }
                }
                return Nd4j.create(values, e.shape(), floatType);
            }
        }
    }

    /** IEEE 754 binary16 → binary32. */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Writes {@code tensors} as F32, in map order, header padded with spaces to a multiple of 8. */
    public static void write(Map<String, INDArray> tensors, OutputStream out) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long s : e.getValue().shape()) {
                shape.add(s);
            }
            long size = 4 * e.getValue().length();
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(headerBytes);
        for (INDArray tensor : tensors.values()) {
            float[] values = tensor.castTo(DataType.FLOAT).dup('c').reshape(tensor.length()).toFloatVector();
            ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(values);
            out.write(buffer.array());
        }
        out.flush();
    }
}
