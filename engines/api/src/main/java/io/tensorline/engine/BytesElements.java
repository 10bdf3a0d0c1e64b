package io.tensorline.engine;

import java.nio.ByteBuffer;

/** Splits a {@link DataType#BYTES} tensor's raw layout (per element a 4-byte little-endian length, then the bytes). */
public final class BytesElements {

    private BytesElements() {
    }

    /**
     * The elements of a BYTES tensor, row-major, as byte arrays.
     *
     * @throws EngineException when the data does not hold exactly one element per shape entry
     */
    public static byte[][] split(Tensor tensor) throws EngineException {
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

    private static EngineException malformed(Tensor tensor, String detail) {
        return new EngineException("input '" + tensor.name() + "': malformed BYTES data: " + detail
                + " (expected: per element a 4-byte little-endian length followed by that many bytes)");
    }
}
