package io.tensorline.server.e2e;

import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Little-endian byte helpers for building and reading raw tensor contents in tests. */
final class Tensors {

    private Tensors() {
    }

    static ByteString floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return ByteString.copyFrom(b.flip());
    }

    static float[] toFloats(ByteString s) {
        ByteBuffer b = s.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    /** BYTES raw layout: a 4-byte little-endian length before each element. */
    static ByteString strings(String... values) {
        int total = 0;
        byte[][] encoded = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            encoded[i] = values[i].getBytes(StandardCharsets.UTF_8);
            total += 4 + encoded[i].length;
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] e : encoded) {
            b.putInt(e.length).put(e);
        }
        return ByteString.copyFrom(b.flip());
    }

    /** {@code count} pseudo-random bytes that are valid for the type (BOOL 0/1, floats finite). */
    static byte[] sample(String datatype, int count) {
        java.util.Random r = new java.util.Random(datatype.hashCode());
        return switch (datatype) {
            case "BOOL" -> {
                byte[] b = new byte[count];
                for (int i = 0; i < count; i++) {
                    b[i] = (byte) r.nextInt(2);
                }
                yield b;
            }
            case "FP16" -> {
                ByteBuffer b = ByteBuffer.allocate(count * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) {
                    // finite half-precision bit patterns: exponent below all-ones, either sign
                    b.putShort((short) (r.nextInt(0x7C00) | (r.nextBoolean() ? 0x8000 : 0)));
                }
                yield b.array();
            }
            case "FP32" -> {
                ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) {
                    b.putFloat((float) r.nextGaussian());
                }
                yield b.array();
            }
            case "FP64" -> {
                ByteBuffer b = ByteBuffer.allocate(count * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) {
                    b.putDouble(r.nextGaussian());
                }
                yield b.array();
            }
            default -> {
                byte[] b = new byte[count * width(datatype)];
                r.nextBytes(b);
                yield b;
            }
        };
    }

    static int width(String datatype) {
        return switch (datatype) {
            case "BOOL", "INT8", "UINT8" -> 1;
            case "INT16", "UINT16", "FP16", "BF16" -> 2;
            case "INT32", "UINT32", "FP32" -> 4;
            default -> 8;
        };
    }
}
