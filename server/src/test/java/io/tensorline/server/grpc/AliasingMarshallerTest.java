package io.tensorline.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.server.core.InferenceRequest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The aliasing parse of inference requests gives the same message, and the same decoded tensors (bytes, shape,
 * datatype, little-endian order), as grpc-java's protobuf marshaller, for every datatype and above its 4 MiB buffer.
 */
class AliasingMarshallerTest {

    private static final MethodDescriptor.Marshaller<ModelInferRequest> ORIGINAL =
            GRPCInferenceServiceGrpc.getModelInferMethod().getRequestMarshaller();
    private static final MethodDescriptor.Marshaller<ModelInferRequest> ALIASING =
            AliasingMarshaller.forTensors(ORIGINAL);

    @Test
    void onlyInferenceRequestsAreParsedWithAliasing() {
        assertInstanceOf(AliasingMarshaller.class, ALIASING);
        assertInstanceOf(AliasingMarshaller.class,
                AliasingMarshaller.forTensors(GRPCInferenceServiceGrpc.getModelStreamInferMethod().getRequestMarshaller()));
        MethodDescriptor.Marshaller<ServerLiveRequest> live =
                GRPCInferenceServiceGrpc.getServerLiveMethod().getRequestMarshaller();
        assertSame(live, AliasingMarshaller.forTensors(live));
    }

    @Test
    void everyDatatypeDecodesToTheOldPathsBytes() throws Exception {
        Random random = new Random(3);
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("m").setModelVersion("1")
                .setId("id-7").putParameters("priority", InferParameter.newBuilder().setInt64Param(3).build())
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUT"));
        for (DataType type : DataType.values()) {
            byte[] raw;
            long[] shape = {2, 3};
            if (type == DataType.BYTES) {
                raw = bytesElements("a", "", "héllo", "\u0000x", "six", "seven!");
            } else {
                raw = new byte[6 * type.byteSize()];
                random.nextBytes(raw);
            }
            b.addInputs(input("IN_" + type.wireName(), type.wireName(), shape)).addRawInputContents(ByteString.copyFrom(raw));
        }
        InferenceRequest d = assertSameDecoding(b.build());
        ByteBuffer strings = d.inputs().get(DataType.BYTES.ordinal()).data();
        assertEquals(1, strings.getInt(0)); // "a": a little-endian length, then its byte
        assertEquals('a', strings.get(4));
        assertEquals(0, strings.getInt(5));
    }

    @Test
    void typedContentsDecodeToTheOldPathsBytes() throws Exception {
        ModelInferRequest r = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("F", "FP32", new long[] {1, 3})
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1.5f).addFp32Contents(-2f)
                                .addFp32Contents(1e9f)))
                .addInputs(input("S", "BYTES", new long[] {2})
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("ab"))
                                .addBytesContents(ByteString.copyFromUtf8("ünï"))))
                .addInputs(input("L", "INT64", new long[] {2})
                        .setContents(InferTensorContents.newBuilder().addInt64Contents(-1).addInt64Contents(1L << 40)))
                .build();
        InferenceRequest d = assertSameDecoding(r);
        assertEquals(-2f, d.inputs().get(0).data().getFloat(4));
        assertEquals(1L << 40, d.inputs().get(2).data().getLong(8));
    }

    @Test
    void rawFloatsReadLittleEndian() throws Exception {
        ByteBuffer fp = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f).putFloat(-3f)
                .putFloat(7e-3f).flip();
        ModelInferRequest r = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "FP32", new long[] {1, 3})).addRawInputContents(ByteString.copyFrom(fp)).build();
        Tensor t = assertSameDecoding(r).inputs().get(0);
        assertEquals(ByteOrder.LITTLE_ENDIAN, t.data().order());
        assertEquals(0.25f, t.data().getFloat(0));
        assertEquals(-3f, t.data().getFloat(4));
        assertEquals(7e-3f, t.data().getFloat(8));
    }

    @Test
    void aTensorAboveGrpcsFourMebibyteBufferDecodesTheSame() throws Exception {
        byte[] raw = new byte[8 * 3 * 224 * 224 * 4]; // ResNet-50 at batch 8: 4.8 MB
        new Random(5).nextBytes(raw);
        ModelInferRequest r = ModelInferRequest.newBuilder().setModelName("resnet")
                .addInputs(input("INPUT__0", "FP32", new long[] {8, 3, 224, 224}))
                .addRawInputContents(ByteString.copyFrom(raw)).build();
        assertSameDecoding(r);
    }

    @Test
    void rawContentsAreViewsOfTheMessageNotCopies() throws Exception {
        byte[] wire = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "UINT8", new long[] {4}))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 2, 3, 4})).build().toByteArray();
        ModelInferRequest parsed = ((AliasingMarshaller<ModelInferRequest>) ALIASING).parse(wire);
        assertEquals(ByteString.copyFrom(new byte[] {1, 2, 3, 4}), parsed.getRawInputContents(0));
        wire[wire.length - 1] = 9; // the raw entry is the message's last field
        assertEquals(ByteString.copyFrom(new byte[] {1, 2, 3, 9}), parsed.getRawInputContents(0));
    }

    @Test
    void aStreamThatReportsTooFewBytesIsReadToItsEnd() throws Exception {
        byte[] message = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "UINT8", new long[] {5})).addRawInputContents(ByteString.copyFrom(new byte[5]))
                .build().toByteArray();
        for (int reported : new int[] {0, 1, message.length / 2, message.length}) {
            InputStream in = new ByteArrayInputStream(message) {
                @Override
                public synchronized int available() {
                    return Math.min(reported, super.available());
                }
            };
            assertArrayEquals(message, AliasingMarshaller.readAll(in), "available() = " + reported);
        }
    }

    @Test
    void bytesThatDoNotParseFailAsGrpcJavasMarshallerDoes() {
        byte[] message = ModelInferRequest.newBuilder().setModelName("m")
                .addRawInputContents(ByteString.copyFrom(new byte[100])).build().toByteArray();
        byte[] truncated = Arrays.copyOf(message, message.length - 10);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ALIASING.parse(new ByteArrayInputStream(truncated)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertInstanceOf(InvalidProtocolBufferException.class, e.getCause());
        Object lenientOld = new UndecodableRequests.LenientMarshaller<>(ORIGINAL, "m").parse(
                new ByteArrayInputStream(truncated));
        Object lenientNew = new UndecodableRequests.LenientMarshaller<>(ALIASING, "m").parse(
                new ByteArrayInputStream(truncated));
        assertInstanceOf(UndecodableRequests.Undecodable.class, lenientNew);
        assertEquals(lenientOld, lenientNew);
    }

    /** Parses {@code r}'s bytes both ways and decodes both; asserts equal messages and tensors; the new decoding. */
    private static InferenceRequest assertSameDecoding(ModelInferRequest r) throws Exception {
        byte[] wire = r.toByteArray();
        ModelInferRequest old = ORIGINAL.parse(new ByteArrayInputStream(wire));
        ModelInferRequest aliased = ALIASING.parse(ORIGINAL.stream(r));
        assertEquals(old, aliased);
        assertEquals(r, aliased);
        InferenceRequest a = GrpcInferCodec.decode(old, 1);
        InferenceRequest b = GrpcInferCodec.decode(aliased, 1);
        assertEquals(a.inputs().size(), b.inputs().size());
        for (int i = 0; i < a.inputs().size(); i++) {
            Tensor x = a.inputs().get(i);
            Tensor y = b.inputs().get(i);
            assertEquals(x.name(), y.name());
            assertEquals(x.dataType(), y.dataType());
            assertArrayEquals(x.shape(), y.shape());
            assertEquals(ByteOrder.LITTLE_ENDIAN, y.data().order(), x.name());
            assertArrayEquals(bytes(x), bytes(y), x.name());
        }
        assertEquals(a.parameters(), b.parameters());
        assertEquals(a.requestedOutputs(), b.requestedOutputs());
        assertEquals(a.id(), b.id());
        return b;
    }

    private static ModelInferRequest.InferInputTensor.Builder input(String name, String type, long[] shape) {
        ModelInferRequest.InferInputTensor.Builder b = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name).setDatatype(type);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    /** Triton's BYTES layout (each element a 4-byte little-endian length and its bytes), packed by the codec. */
    private static byte[] bytesElements(String... elements) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (String e : elements) {
            c.addBytesContents(ByteString.copyFromUtf8(e));
        }
        ByteBuffer packed = GrpcInferCodec.packTyped("IN", DataType.BYTES, new long[] {elements.length}, c.build());
        byte[] out = new byte[packed.remaining()];
        packed.get(out);
        return out;
    }

    private static byte[] bytes(Tensor t) {
        ByteBuffer d = t.data().duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
