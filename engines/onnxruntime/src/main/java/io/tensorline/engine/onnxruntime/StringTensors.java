package io.tensorline.engine.onnxruntime;

import io.tensorline.engine.BytesElements;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Converts between the protocol's raw BYTES layout (per element a 4-byte little-endian length, then the bytes) and
 * the {@code String}s of ONNX string tensors, as UTF-8. The server has already refused elements that would not
 * survive the trip unchanged ({@link ModifiedUtf8}), so decoding here is exact.
 */
final class StringTensors {

    private StringTensors() {
    }

    /** The elements of a BYTES tensor, row-major; the data must hold exactly one element per shape entry. */
    static String[] decode(Tensor tensor) throws EngineException {
        byte[][] elements = BytesElements.split(tensor);
        String[] strings = new String[elements.length];
        for (int i = 0; i < elements.length; i++) {
            strings[i] = new String(elements[i], StandardCharsets.UTF_8);
        }
        return strings;
    }

    /** The raw layout of a string tensor's value: a String (scalar) or nested String arrays, row-major. */
    static ByteBuffer encode(Object value) {
        if (value instanceof String s) {
            return encode(new String[] {s});
        }
        Object[] array = (Object[]) value;
        if (!(array instanceof String[] strings)) {
            return encode(flatten(array));
        }
        byte[][] encoded = new byte[strings.length][];
        int size = 0;
        for (int i = 0; i < strings.length; i++) {
            encoded[i] = strings[i].getBytes(StandardCharsets.UTF_8);
            size = Math.addExact(size, Integer.BYTES + encoded[i].length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] element : encoded) {
            out.putInt(element.length).put(element);
        }
        return out.flip();
    }

    private static String[] flatten(Object[] nested) {
        int count = 0;
        String[][] rows = new String[nested.length][];
        for (int i = 0; i < nested.length; i++) {
            Object row = nested[i];
            rows[i] = row instanceof String[] strings ? strings : flatten((Object[]) row);
            count += rows[i].length;
        }
        String[] flat = new String[count];
        int at = 0;
        for (String[] row : rows) {
            System.arraycopy(row, 0, flat, at, row.length);
            at += row.length;
        }
        return flat;
    }
}
