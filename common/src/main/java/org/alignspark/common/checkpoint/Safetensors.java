package org.alignspark.common.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {dtype, shape, data_offsets}, then the tensors' raw little-endian bytes. Reads F64, F32, F16 and BF16;
 * writes F32 or F64 (the arrays' own type).
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    public static void write(OutputStream out, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            String dtype = switch (a.dataType()) {
                case FLOAT -> "F32";
                case DOUBLE -> "F64";
                default -> throw new IllegalArgumentException("tensor '" + e.getKey() + "': cannot write " + a.dataType());
            };
            long bytes = a.length() * a.dataType().width();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtype);
            var shape = entry.putArray("shape");
            for (long d : a.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(prefix.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        for (INDArray a : tensors.values()) {
            INDArray c = a.dup('c');
            ByteBuffer data = ByteBuffer.allocate((int) (c.length() * c.dataType().width())).order(ByteOrder.LITTLE_ENDIAN);
            if (c.dataType() == DataType.FLOAT) {
                data.asFloatBuffer().put(c.data().asFloat());
            } else {
                data.asDoubleBuffer().put(c.data().asDouble());
            }
            out.write(data.array());
        }
    }

    /**
     * Reads every tensor, converted to {@code target} (FLOAT or DOUBLE). {@code source} names the file in errors.
     */
    public static Map<String, INDArray> read(InputStream in, String source, DataType target) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] lengthBytes = new byte[8];
        readFully(data, lengthBytes, source, "header length");
        long headerLength = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER) {
            throw new IOException(source + ": corrupt safetensors header length " + headerLength);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(data, headerBytes, source, "header");
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).strip());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(source + ": corrupt safetensors header (not JSON): " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new IOException(source + ": corrupt safetensors header (not a JSON object)");
        }
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        data.transferTo(rest);
        ByteBuffer body = ByteBuffer.wrap(rest.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), body, source, target));
        }
        return tensors;
    }

    private static INDArray tensor(String name, JsonNode entry, ByteBuffer body, String source, DataType target) throws IOException {
        String where = source + ": tensor '" + name + "'";
        JsonNode dtype = entry.get("dtype");
        JsonNode shapeNode = entry.get("shape");
        JsonNode offsets = entry.get("data_offsets");
        if (dtype == null || shapeNode == null || offsets == null || !shapeNode.isArray() || offsets.size() != 2) {
            throw new IOException(where + " has a corrupt header entry " + entry);
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw new IOException(where + " has a negative dimension");
            }
            count *= shape[i];
        }
        int width = switch (dtype.asText()) {
            case "F64" -> 8;
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new IOException(where + " has unsupported dtype " + dtype.asText());
        };
        long start = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (start < 0 || end != start + count * width || end > body.capacity()) {
            throw new IOException(where + " has data offsets [" + start + ", " + end + "] that do not fit its shape "
                    + java.util.Arrays.toString(shape) + " x " + width + " bytes or the file's " + body.capacity() + " data bytes");
        }
        double[] values = new double[(int) count];
        for (int i = 0; i < count; i++) {
            int at = (int) (start + (long) i * width);
            values[i] = switch (width) {
                case 8 -> body.getDouble(at);
                case 4 -> body.getFloat(at);
                default -> dtype.asText().equals("BF16")
                        ? Float.intBitsToFloat((body.getShort(at) & 0xffff) << 16)
                        : halfToFloat(body.getShort(at));
            };
        }
        INDArray array = Nd4j.createFromArray(values).castTo(target);
        return shape.length == 0 ? array.reshape() : array.reshape(shape);
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static void readFully(DataInputStream in, byte[] into, String source, String what) throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw new IOException(source + ": truncated safetensors file (ends inside the " + what + ")", e);
        }
    }
}
