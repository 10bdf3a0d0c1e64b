package io.tensorline.engine.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class StringTensorsTest {

    @Test
    void decodesUtf8FromReadOnlyBuffers() throws Exception {
        byte[] raw = TestModels.rawStrings("ä", "", "z");
        Tensor tensor = Tensor.of("s", DataType.BYTES, new long[] {3}, ByteBuffer.wrap(raw).asReadOnlyBuffer());

        assertArrayEquals(new String[] {"ä", "", "z"}, StringTensors.decode(tensor));
    }

    @Test
    void refusesTrailingBytes() {
        byte[] raw = TestModels.rawStrings("a", "b");
        Tensor tensor = Tensor.of("s", DataType.BYTES, new long[] {1}, ByteBuffer.wrap(raw));

        EngineException e = assertThrows(EngineException.class, () -> StringTensors.decode(tensor));

        assertEquals("input 's': malformed BYTES data: 5 bytes follow the last of 1 elements (expected: per element"
                + " a 4-byte little-endian length followed by that many bytes)", e.getMessage());
    }

    @Test
    void refusesTooFewElements() {
        byte[] raw = TestModels.rawStrings("a");
        Tensor tensor = Tensor.of("s", DataType.BYTES, new long[] {2, 2}, ByteBuffer.wrap(raw));

        EngineException e = assertThrows(EngineException.class, () -> StringTensors.decode(tensor));

        assertEquals("input 's': malformed BYTES data: 4 elements need at least 16 bytes, got 5 (expected: per"
                + " element a 4-byte little-endian length followed by that many bytes)", e.getMessage());
    }

    @Test
    void refusesANegativeLength() {
        byte[] raw = {-1, -1, -1, -1};
        Tensor tensor = Tensor.of("s", DataType.BYTES, new long[] {1}, ByteBuffer.wrap(raw));

        EngineException e = assertThrows(EngineException.class, () -> StringTensors.decode(tensor));

        assertEquals("input 's': malformed BYTES data: element 0 has length -1 but 0 bytes remain (expected: per"
                + " element a 4-byte little-endian length followed by that many bytes)", e.getMessage());
    }

    @Test
    void encodesNestedArraysRowMajor() {
        String[][][] nested = {{{"a", "bc"}}, {{"", "ü"}}};

        ByteBuffer encoded = StringTensors.encode(nested);

        assertEquals(ByteBuffer.wrap(TestModels.rawStrings("a", "bc", "", "ü")), encoded);
    }

    @Test
    void encodesAScalar() {
        assertEquals(ByteBuffer.wrap(TestModels.rawStrings("one")), StringTensors.encode("one"));
    }
}
