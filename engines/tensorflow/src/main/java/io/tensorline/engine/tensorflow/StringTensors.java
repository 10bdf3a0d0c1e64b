package io.tensorline.engine.tensorflow;

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
        long count = tensor.elementCount();
        ByteBuffer data = tensor.data();
        if (count > data.remaining() / Integer.BYTES) {
            throw malformed(tensor, count + " elements need at least " + count * Integer.BYTES + " bytes, got "
                    + data.remaining());
        }
        byte[][] elements = new byte[(int) count][];
        for (int i = 0; i < elements.length; i++) {
            if (data.remaining() < Integer.BYTES) {
                throw malformed(tensor, "element " + i + " has no 4-byte length");
            }
            int length = data.getInt();
            if (length < 0 || length > data.remaining()) {
                throw malformed(tensor, "element " + i + " has length " + length + " but " + data.remaining()
                        + " bytes remain");
            }
            elements[i] = new byte[length];
            data.get(elements[i]);
        }
        if (data.hasRemaining()) {
            throw malformed(tensor, data.remaining() + " bytes follow the last of " + count + " elements");
        }
        return elements;
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

    private static EngineException malformed(Tensor tensor, String detail) {
        return new EngineException("input '" + tensor.name() + "': malformed BYTES data: " + detail
                + " (expected: per element a 4-byte little-endian length followed by that many bytes)");
    }
}
