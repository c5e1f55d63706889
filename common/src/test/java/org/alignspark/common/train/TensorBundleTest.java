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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void bfloat16OnTheWireRoundsToNearestEvenAndCountsTwoBytesAValue() throws Exception {
        Map<String, INDArray> m = new LinkedHashMap<>();
        // By hand, from the float32 bits (bfloat16 keeps the upper 16 of them, 7 explicit mantissa bits):
        //   0.1f = 0x3DCCCCCD: lower half 0xCCCD > 0x8000, up to 0x3DCD = (1 + 77/128) / 16 = 0.10009765625
        //   1 + 2^-8 = 0x3F808000: a tie, to the even 0x3F80 = 1.0
        //   1 + 3 * 2^-8 = 0x3F818000: a tie, to the even 0x3F82 = 1 + 2^-6 = 1.015625
        //   -3.0 = 0xC0400000 and 2^-130 (a float32 subnormal, 0x00080000) are exact; 3.4e38 = 0x7F7FC99E rounds up to infinity
        m.put("d", Nd4j.createFromArray(0.1f, 1f + 0x1p-8f, 1f + 3 * 0x1p-8f, -3f, 0x1p-130f, 3.4e38f));
        double[] big = new double[40_000];   // more than one chunk
        for (int i = 0; i < big.length; i++) {
            big[i] = i;   // integers up to 256 are exact in bfloat16, 39,999 is not (8 significant bits)
        }
        m.put("big", Nd4j.createFromArray(big));
        TensorBundle bf16 = TensorBundle.of(m).inBfloat16();
        assertEquals(TensorBundle.Wire.BFLOAT16, bf16.wire());
        assertEquals((6 + 40_000) * 2, bf16.wireBytes());
        TensorBundle back = roundTrip(bf16);
        assertArrayEquals(new double[] {0.10009765625, 1.0, 1.015625, -3.0, 0x1p-130, Double.POSITIVE_INFINITY}, back.values(0), 0.0);
        assertEquals(255.0, back.values(1)[255], 0.0);
        // 39,999 = 1.00111000011111b × 2^15: the 8 significant bits 1.0011100 with the rest (0011111...) below a half: 39,936
        assertEquals(39_936.0, back.values(1)[39_999], 0.0);
    }

    @Test
    void aNanChangeStaysANanInBfloat16() throws Exception {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("d", Nd4j.createFromArray(Float.NaN, 1f));
        assertTrue(Double.isNaN(roundTrip(TensorBundle.of(m).inBfloat16()).values(0)[0]));
    }

    @Test
    void addAndSubtractMatchTensorsByNameWhateverTheirOrder() {
        Map<String, INDArray> ab = new LinkedHashMap<>();
        ab.put("a", Nd4j.createFromArray(1.0, 2.0));
        ab.put("b", Nd4j.createFromArray(10.0));
        Map<String, INDArray> ba = new LinkedHashMap<>();
        ba.put("b", Nd4j.createFromArray(4.0));
        ba.put("a", Nd4j.createFromArray(0.5, 0.25));
        TensorBundle change = TensorBundle.of(ab).subtractInPlace(TensorBundle.of(ba));
        assertArrayEquals(new double[] {0.5, 1.75}, change.values(0), 0.0);
        assertArrayEquals(new double[] {6.0}, change.values(1), 0.0);
        assertArrayEquals(new double[] {1.0, 2.0}, change.addInPlace(TensorBundle.of(ba)).values(0), 0.0);
        Map<String, INDArray> other = new LinkedHashMap<>();
        other.put("a", Nd4j.createFromArray(0.5, 0.25));
        other.put("c", Nd4j.createFromArray(4.0));
        assertThrows(IllegalArgumentException.class, () -> TensorBundle.of(ab).addInPlace(TensorBundle.of(other)));
    }
}
