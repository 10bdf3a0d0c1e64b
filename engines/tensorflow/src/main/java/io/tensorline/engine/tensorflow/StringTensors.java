package io.tensorline.engine.tensorflow;

import io.tensorline.engine.BytesElements;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts between the protocol's raw BYTES layout (per element a 4-byte little-endian length, then the bytes) and
 * the byte strings of TensorFlow string tensors. The bytes pass unchanged: TensorFlow strings are byte strings.
 */
final class StringTensors {

    private StringTensors() {
    }

    /** The elements of a BYTES tensor, row-major; the data must hold exactly one element per shape entry. */
    static byte[][] decode(Tensor tensor) throws EngineException {
        return BytesElements.split(tensor);
    }

    /** The raw layout of {@code elements}, row-major, in a heap buffer. */
    static ByteBuffer encode(byte[][] elements) {
        int size = 0;
        for (byte[] element : elements) {
            size = Math.addExact(size, Integer.BYTES + element.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] element : elements) {
            out.putInt(element.length).put(element);
        }
        return out.flip();
    }
}
