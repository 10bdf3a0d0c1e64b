package io.tensorline.server.e2e;

import com.google.protobuf.ByteString;
import io.tensorline.client.InferCodec;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferTensor;
import io.tensorline.proto.ModelInferRequest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Raw tensor contents for tests that speak the protocol on raw stubs, laid out by the client library's
 * {@link InferTensor} (little-endian; BYTES elements with a 4-byte length), and requests encoded by its codec.
 */
final class Tensors {

    private Tensors() {
    }

    static ByteString floats(float... values) {
        return ByteString.copyFrom(InferTensor.fp32("raw", values).data());
    }

    static float[] toFloats(ByteString s) {
        ByteBuffer b = s.asReadOnlyByteBuffer();
        return InferTensor.of("raw", "FP32", b, b.remaining() / 4).asFloats();
    }

    /** BYTES raw layout: a 4-byte little-endian length before each element. */
    static ByteString strings(String... values) {
        return ByteString.copyFrom(InferTensor.strings("raw", values).data());
    }

    /**
     * A request for an add_sub model (INPUT0 and INPUT1, FP32 {@code [rows, 4]} with rows from the values' length),
     * as the client library encodes it.
     */
    static ModelInferRequest addSub(String model, String version, float[] a, float[] b) {
        return InferCodec.toGrpc(InferRequest.builder(model).version(version)
                .input(InferTensor.fp32("INPUT0", a, a.length / 4, 4))
                .input(InferTensor.fp32("INPUT1", b, b.length / 4, 4)).build());
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
