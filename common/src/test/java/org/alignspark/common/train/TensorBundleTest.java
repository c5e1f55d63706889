package org.alignspark.common.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TensorBundleTest {
    private static TensorBundle roundTrip(TensorBundle bundle) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(bundle);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (TensorBundle) in.readObject();
        }
    }

    private static TensorBundle doubles() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.createFromArray(0.1, -2.5, 1e-40).reshape(3, 1));
        double[] big = new double[40_000];   // more than one chunk of 16384 floats
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5;
        }
        m.put("big", Nd4j.createFromArray(big));
        return TensorBundle.of(m);
    }

    @Test
    void float32OnTheWireRoundsEachValueToFloatAndKeepsNamesAndShapes() throws Exception {
        TensorBundle back = roundTrip(doubles().inFloat32());
        assertEquals("w", back.name(0));
        assertArrayEquals(new long[] {3, 1}, back.shape(0));
        // (double) (float) 0.1 = 0.100000001490116119384765625; 1e-40 is a float32 subnormal, 9.99994610111476e-41.
        assertArrayEquals(new double[] {0.100000001490116119384765625, -2.5, (double) (float) 1e-40}, back.values(0), 0.0);
        assertEquals(39_999 * 0.5, back.values(1)[39_999], 0.0);   // exact in float32
        assertEquals(20_000 * 0.5, back.values(1)[20_000], 0.0);
    }

    @Test
    void float64BundlesTravelExactly() throws Exception {
        TensorBundle back = roundTrip(doubles());
        assertArrayEquals(new double[] {0.1, -2.5, 1e-40}, back.values(0), 0.0);
    }

    @Test
    void wireBytesCountFourPerValueInFloat32AndEightInFloat64() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("a", Nd4j.zeros(DataType.FLOAT, 2, 3));
        m.put("b", Nd4j.zeros(DataType.FLOAT, 5));
        TensorBundle floats = TensorBundle.of(m);
        assertEquals((6 + 5) * 4, floats.wireBytes());
        assertEquals((3 + 40_000) * 4, doubles().inFloat32().wireBytes());
        assertEquals((3 + 40_000) * 8, doubles().wireBytes());
    }
}
