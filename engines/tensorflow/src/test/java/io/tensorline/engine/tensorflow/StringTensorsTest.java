package io.tensorline.engine.tensorflow;

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
    void decodesFromReadOnlyBuffers() throws Exception {
        byte[] raw = TestModels.rawElements(new byte[] {(byte) 0xC3, (byte) 0xA4}, new byte[0], new byte[] {'z'});
        Tensor tensor = Tensor.of("s", DataType.BYTES, new long[] {3}, ByteBuffer.wrap(raw).asReadOnlyBuffer());

        byte[][] elements = StringTensors.decode(tensor);

        assertArrayEquals(new byte[][] {{(byte) 0xC3, (byte) 0xA4}, {}, {'z'}}, elements);
    }

    @Test
    void encodesRowMajorWithLittleEndianLengths() {
        ByteBuffer encoded = StringTensors.encode(new byte[][] {{'a'}, {}, {1, 2, 3}});

        assertEquals(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 'a', 0, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3}), encoded);
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
        Tensor tensor = Tensor.of("s", DataType.BYTES, new long[] {1}, ByteBuffer.wrap(new byte[] {-1, -1, -1, -1}));

        EngineException e = assertThrows(EngineException.class, () -> StringTensors.decode(tensor));

        assertEquals("input 's': malformed BYTES data: element 0 has length -1 but 0 bytes remain (expected: per"
                + " element a 4-byte little-endian length followed by that many bytes)", e.getMessage());
    }
}
