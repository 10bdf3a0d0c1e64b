package io.tensorline.server.grpc;

import com.google.protobuf.ByteString;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.TensorSizes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Packs the typed {@code contents} of an input into the protocol's raw little-endian layout. */
final class TypedContents {

    private TypedContents() {
    }

    static ByteBuffer pack(String name, DataType type, long[] shape, InferTensorContents c) {
        long expected = TensorSizes.elementCount(name, shape);
        int n = switch (type) {
            case BOOL -> c.getBoolContentsCount();
            case INT8, INT16, INT32 -> c.getIntContentsCount();
            case INT64 -> c.getInt64ContentsCount();
            case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
            case UINT64 -> c.getUint64ContentsCount();
            case FP32 -> c.getFp32ContentsCount();
            case FP64 -> c.getFp64ContentsCount();
            case BYTES -> c.getBytesContentsCount();
            case FP16, BF16 -> throw InferenceException.invalid(
                    "input '%s': %s has no typed contents field (expected: send it in raw_input_contents)", name, type);
        };
        if (n != expected) {
            throw InferenceException.invalid("input '%s' has %d elements in %s (expected: %d for shape %s)",
                    name, n, fieldName(type), expected, Shapes.toString(shape));
        }
        if (type == DataType.BYTES) {
            return packBytes(c);
        }
        ByteBuffer out = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case BOOL -> out.put((byte) (c.getBoolContents(i) ? 1 : 0));
                case INT8 -> out.put((byte) checkRange(name, type, c.getIntContents(i), Byte.MIN_VALUE, Byte.MAX_VALUE));
                case INT16 -> out.putShort((short) checkRange(name, type, c.getIntContents(i), Short.MIN_VALUE, Short.MAX_VALUE));
                case INT32 -> out.putInt(c.getIntContents(i));
                case INT64 -> out.putLong(c.getInt64Contents(i));
                case UINT8 -> out.put((byte) checkRange(name, type, Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFF));
                case UINT16 -> out.putShort((short) checkRange(name, type, Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFFFF));
                case UINT32 -> out.putInt(c.getUintContents(i));
                case UINT64 -> out.putLong(c.getUint64Contents(i));
                case FP32 -> out.putFloat(c.getFp32Contents(i));
                case FP64 -> out.putDouble(c.getFp64Contents(i));
                default -> throw new IllegalStateException(type.name());
            }
        }
        return out.flip();
    }

    private static ByteBuffer packBytes(InferTensorContents c) {
        int total = 0;
        for (ByteString s : c.getBytesContentsList()) {
            total += 4 + s.size();
        }
        ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (ByteString s : c.getBytesContentsList()) {
            out.putInt(s.size());
            s.copyTo(out);
        }
        return out.flip();
    }

    private static long checkRange(String name, DataType type, long v, long min, long max) {
        if (v < min || v > max) {
            throw InferenceException.invalid("input '%s': value %d is out of range for %s (expected: %d to %d)",
                    name, v, type, min, max);
        }
        return v;
    }

    private static String fieldName(DataType type) {
        return switch (type) {
            case BOOL -> "bool_contents";
            case INT8, INT16, INT32 -> "int_contents";
            case INT64 -> "int64_contents";
            case UINT8, UINT16, UINT32 -> "uint_contents";
            case UINT64 -> "uint64_contents";
            case FP32 -> "fp32_contents";
            case FP64 -> "fp64_contents";
            case BYTES -> "bytes_contents";
            default -> "contents";
        };
    }
}
