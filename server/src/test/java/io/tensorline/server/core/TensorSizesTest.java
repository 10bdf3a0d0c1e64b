package io.tensorline.server.core;

import io.tensorline.engine.DataType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorSizesTest {

    @Test
    void countsElementsAndBytes() {
        assertEquals(12, TensorSizes.elementCount("x", new long[] {3, 4}));
        assertEquals(1, TensorSizes.elementCount("x", new long[0]));
        assertEquals(0, TensorSizes.elementCount("x", new long[] {0, 1L << 62, 1L << 62}));
        assertEquals(96, TensorSizes.byteCount("x", DataType.FP64, new long[] {3, 4}));
        assertEquals(Long.MAX_VALUE, TensorSizes.byteCount("x", DataType.UINT8, new long[] {Long.MAX_VALUE}));
    }

    @Test
    void aByteCountThatWouldWrapIsInvalid() {
        InferenceException e = assertThrows(InferenceException.class,
                () -> TensorSizes.byteCount("in", DataType.FP32, new long[] {1L << 60, 4}));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("input 'in' has shape [1152921504606846976, 4] of FP32, whose byte count overflows 64 bits "
                + "(expected: at most 9223372036854775807 bytes)", e.getMessage());
    }

    @Test
    void anElementCountThatWouldWrapIsInvalid() {
        InferenceException e = assertThrows(InferenceException.class,
                () -> TensorSizes.elementCount("in", new long[] {1L << 32, 1L << 32}));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("element count overflows 64 bits"), e.getMessage());
    }

    @Test
    void aNegativeDimensionIsInvalid() {
        InferenceException e = assertThrows(InferenceException.class,
                () -> TensorSizes.elementCount("in", new long[] {2, -1}));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
}
