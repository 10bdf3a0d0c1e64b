package io.tensorline.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InferTensorTest {

    @Test
    void fp16RoundsToNearestEven() {
        assertEquals(0x3c00, Fp16.fromFloat(1f) & 0xffff);
        assertEquals(0xc000, Fp16.fromFloat(-2f) & 0xffff);
        assertEquals(0x7bff, Fp16.fromFloat(65504f) & 0xffff);
        assertEquals(0x7c00, Fp16.fromFloat(70000f) & 0xffff);
        assertEquals(0x0001, Fp16.fromFloat(5.9604645e-8f) & 0xffff); // smallest subnormal
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1)
        assertEquals(0x3c00, Fp16.fromFloat(1f + 0x1p-11f) & 0xffff);
        assertEquals(1.5f, Fp16.toFloat(Fp16.fromFloat(1.5f)));
        assertEquals(5.9604645e-8f, Fp16.toFloat((short) 1));
        assertEquals(Float.POSITIVE_INFINITY, Fp16.toFloat((short) 0x7c00));
    }

    @Test
    void shapeDefaultsToTheArrayLength() {
        assertArrayEquals(new long[] {3}, InferTensor.int64("x", new long[] {1, 2, 3}).shape());
    }

    @Test
    void wrongByteCountIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InferTensor.fp32("x", new float[3], 2, 2));
        assertEquals("tensor 'x': 12 bytes for FP32 shape [2, 2] (expected: 16)", e.getMessage());
    }

    @Test
    void readingAsTheWrongTypeSaysWhatItIs() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> InferTensor.strings("s", new String[] {"a"}).asFloats());
        assertEquals("tensor 's' is BYTES (expected: FP32, FP16, BF16 or FP64)", e.getMessage());
    }

    @Test
    void bytesLayoutIsLengthPrefixed() {
        InferTensor t = InferTensor.bytes("b", new byte[][] {{7, 8}, {}});
        assertArrayEquals(new byte[] {2, 0, 0, 0, 7, 8, 0, 0, 0, 0}, t.rawBytes());
        assertEquals(2, t.asBytes().length);
    }
}
