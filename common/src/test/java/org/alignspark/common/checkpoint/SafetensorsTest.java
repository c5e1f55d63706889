package org.alignspark.common.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    private static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json).put(data);
        return buffer.array();
    }

    @Test
    void writesAndReadsBackNamesShapesAndValues() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("h.0.attn.c_attn.weight", Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}}));
        tensors.put("ln_f.bias", Nd4j.createFromArray(new float[]{-0.5f}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Safetensors.write(out, tensors, Map.of("format", "pt"));
        assertEquals(0, (out.size() - 8 - 24 - 4) % 8, "header padded to 8 bytes");
        Map<String, INDArray> read = Safetensors.read(new ByteArrayInputStream(out.toByteArray()), "t", DataType.FLOAT);
        assertEquals(tensors.keySet(), read.keySet());
        assertArrayEquals(new long[]{2, 3}, read.get("h.0.attn.c_attn.weight").shape());
        assertEquals(tensors.get("h.0.attn.c_attn.weight"), read.get("h.0.attn.c_attn.weight"));
    }

    @Test
    void readsHalfAndBfloat16() throws IOException {
        // 1.5 in binary16 is 0x3E00; -2.0 in bfloat16 is 0xC000.
        byte[] data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3E00).putShort((short) 0xC000).array();
        String header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}";
        Map<String, INDArray> read = Safetensors.read(new ByteArrayInputStream(file(header, data)), "t", DataType.DOUBLE);
        assertEquals(1.5, read.get("a").getDouble(0));
        assertEquals(-2.0, read.get("b").getDouble(0));
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001));
    }

    @Test
    void corruptFilesFailNamingFileAndTensor() {
        IOException truncated = assertThrows(IOException.class,
                () -> Safetensors.read(new ByteArrayInputStream(new byte[]{1, 0}), "model.safetensors", DataType.FLOAT));
        assertTrue(truncated.getMessage().startsWith("model.safetensors: truncated"), truncated.getMessage());
        IOException notJson = assertThrows(IOException.class,
                () -> Safetensors.read(new ByteArrayInputStream(file("{oops", new byte[0])), "m.st", DataType.FLOAT));
        assertTrue(notJson.getMessage().contains("not JSON"), notJson.getMessage());
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        IOException shortData = assertThrows(IOException.class,
                () -> Safetensors.read(new ByteArrayInputStream(file(header, new byte[8])), "m.st", DataType.FLOAT));
        assertTrue(shortData.getMessage().contains("tensor 'w'") && shortData.getMessage().contains("do not fit"), shortData.getMessage());
        String badType = "{\"w\":{\"dtype\":\"I4\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        IOException unsupported = assertThrows(IOException.class,
                () -> Safetensors.read(new ByteArrayInputStream(file(badType, new byte[1])), "m.st", DataType.FLOAT));
        assertTrue(unsupported.getMessage().contains("unsupported dtype I4"), Arrays.toString(new String[]{unsupported.getMessage()}));
    }
}
