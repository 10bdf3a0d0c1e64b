package io.tensorline.server.grpc;

import com.google.protobuf.ByteString;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrpcInferCodecTest {

    private static ModelInferRequest.InferInputTensor.Builder input(String name, String type, long... shape) {
        ModelInferRequest.InferInputTensor.Builder b = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name).setDatatype(type);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    private static byte[] bytes(Tensor t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static InferenceException invalid(ModelInferRequest r) {
        InferenceException e = assertThrows(InferenceException.class, () -> GrpcInferCodec.decode(r, 0));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        return e;
    }

    @Test
    void rawInputsKeepTheirBytesShapeAndOrder() {
        ByteBuffer fp = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).flip();
        ModelInferRequest r = ModelInferRequest.newBuilder().setModelName("m").setModelVersion("2").setId("req-1")
                .addInputs(input("A", "FP32", 1, 2))
                .addInputs(input("B", "UINT8", 3))
                .addRawInputContents(ByteString.copyFrom(fp))
                .addRawInputContents(ByteString.copyFrom(new byte[] {7, 8, 9}))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUT"))
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(2).build())
                .putParameters("flag", InferParameter.newBuilder().setBoolParam(true).build())
                .build();
        InferenceRequest d = GrpcInferCodec.decode(r, 42);
        assertEquals("m", d.modelName());
        assertEquals("2", d.modelVersion());
        assertEquals("req-1", d.id());
        assertEquals(42, d.arrivalNanos());
        assertEquals(List.of("OUT"), d.requestedOutputs());
        assertEquals(2L, d.parameters().get("priority"));
        assertEquals(true, d.parameters().get("flag"));
        Tensor a = d.inputs().get(0);
        assertEquals(DataType.FP32, a.dataType());
        assertArrayEquals(new long[] {1, 2}, a.shape());
        assertEquals(-2f, a.data().getFloat(4));
        assertArrayEquals(new byte[] {7, 8, 9}, bytes(d.inputs().get(1)));
    }

    @Test
    void typedContentsArePackedLittleEndian() {
        ModelInferRequest r = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("i8", "INT8", 2).setContents(InferTensorContents.newBuilder().addIntContents(-1).addIntContents(5)))
                .addInputs(input("u16", "UINT16", 1).setContents(InferTensorContents.newBuilder().addUintContents(65535)))
                .addInputs(input("i64", "INT64", 1).setContents(InferTensorContents.newBuilder().addInt64Contents(Long.MIN_VALUE)))
                .addInputs(input("u64", "UINT64", 1).setContents(InferTensorContents.newBuilder().addUint64Contents(-1L)))
                .addInputs(input("b", "BOOL", 2).setContents(InferTensorContents.newBuilder().addBoolContents(true).addBoolContents(false)))
                .addInputs(input("f64", "FP64", 1).setContents(InferTensorContents.newBuilder().addFp64Contents(0.25)))
                .addInputs(input("s", "BYTES", 2).setContents(InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("hé")).addBytesContents(ByteString.EMPTY)))
                .build();
        List<Tensor> in = GrpcInferCodec.decode(r, 0).inputs();
        assertArrayEquals(new byte[] {-1, 5}, bytes(in.get(0)));
        assertArrayEquals(new byte[] {-1, -1}, bytes(in.get(1)));
        assertEquals(Long.MIN_VALUE, in.get(2).data().getLong(0));
        assertEquals(-1L, in.get(3).data().getLong(0));
        assertArrayEquals(new byte[] {1, 0}, bytes(in.get(4)));
        assertEquals(0.25, in.get(5).data().getDouble(0));
        byte[] he = "hé".getBytes(StandardCharsets.UTF_8);
        ByteBuffer s = in.get(6).data();
        assertEquals(he.length, s.getInt());
        byte[] first = new byte[he.length];
        s.get(first);
        assertArrayEquals(he, first);
        assertEquals(0, s.getInt());
        assertEquals(0, s.remaining());
    }

    @Test
    void mixingRawAndTypedContentsIsRejected() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "INT32", 1).setContents(InferTensorContents.newBuilder().addIntContents(1)))
                .addInputs(input("B", "INT32", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build());
        assertTrue(e.getMessage().contains("contents field must not be specified when using raw_input_contents for"), e.getMessage());
    }

    @Test
    void aMissingRawEntryIsRejected() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "INT32", 1)).addInputs(input("B", "INT32", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build());
        assertTrue(e.getMessage().contains("unable to find data for input tensor 'B' for model 'm' in request."), e.getMessage());
    }

    @Test
    void extraRawEntriesAreRejected() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "INT32", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[4]))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build());
        assertTrue(e.getMessage().contains("2 raw_input_contents but 1 inputs"), e.getMessage());
    }

    @Test
    void rawSizeMustMatchTheShape() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "FP32", 2, 3))
                .addRawInputContents(ByteString.copyFrom(new byte[20])).build());
        assertTrue(e.getMessage().contains("input byte size mismatch for input 'A' for model 'm'. Expected 24, got 20"),
                e.getMessage());
    }

    @Test
    void typedElementCountMustMatchTheShape() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "FP32", 3).setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
                .build());
        assertTrue(e.getMessage().contains("1 elements in fp32_contents (expected: 3"), e.getMessage());
    }

    @Test
    void outOfRangeTypedValuesAreRejected() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "INT8", 1).setContents(InferTensorContents.newBuilder().addIntContents(300)))
                .build());
        assertTrue(e.getMessage().contains("out of range for INT8"), e.getMessage());
    }

    @Test
    void unknownDatatypesAreRejected() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "FLOAT", 1)).addRawInputContents(ByteString.copyFrom(new byte[4])).build());
        assertTrue(e.getMessage().contains("unknown datatype 'FLOAT'"), e.getMessage());
    }

    @Test
    void fp16HasNoTypedContents() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "FP16", 1).setContents(InferTensorContents.newBuilder())).build());
        assertTrue(e.getMessage().contains("send it in raw_input_contents"), e.getMessage());
    }

    @Test
    void negativeDimensionsAreRejected() {
        InferenceException e = invalid(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("A", "FP32", -1, 2)).addRawInputContents(ByteString.EMPTY).build());
        assertTrue(e.getMessage().contains("no negative dimensions"), e.getMessage());
    }

    @Test
    void responsesCarryEveryOutputAsRawContents() {
        Tensor a = Tensor.of("OUT0", DataType.INT32, new long[] {1, 2},
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(3).putInt(4).flip());
        Tensor empty = Tensor.of("OUT1", DataType.FP32, new long[] {1, 0}, ByteBuffer.allocate(0));
        ModelInferResponse r = GrpcInferCodec.encode(new InferenceResponse("m", "3", "abc", List.of(a, empty)));
        assertEquals("m", r.getModelName());
        assertEquals("3", r.getModelVersion());
        assertEquals("abc", r.getId());
        assertEquals(2, r.getOutputsCount());
        assertEquals("INT32", r.getOutputs(0).getDatatype());
        assertEquals(List.of(1L, 2L), r.getOutputs(0).getShapeList());
        assertEquals(2, r.getRawOutputContentsCount());
        assertEquals(4, r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt(4));
        assertEquals(0, r.getRawOutputContents(1).size());
    }

    @Test
    void encodedResponseBytesAreThoseOfTheResponseBuiltFieldByField() {
        ByteBuffer add = ByteBuffer.allocate(16 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 16; k++) {
            add.putFloat(k * 1.5f);
        }
        add.flip();
        Tensor out0 = Tensor.of("OUTPUT0", DataType.FP32, new long[] {1, 16}, add.duplicate());
        Tensor out1 = Tensor.of("OUTPUT1", DataType.INT64, new long[] {2, 0, 3}, ByteBuffer.allocate(0));
        byte[] encoded = GrpcInferCodec.encode(new InferenceResponse("simple", "1", "req-7", List.of(out0, out1)))
                .toByteArray();
        // the same message through the nested builders, the way it was encoded before (wire output must not move)
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName("simple").setModelVersion("1")
                .setId("req-7");
        b.addOutputsBuilder().setName("OUTPUT0").setDatatype("FP32").addShape(1).addShape(16);
        b.addRawOutputContents(ByteString.copyFrom(add.duplicate()));
        b.addOutputsBuilder().setName("OUTPUT1").setDatatype("INT64").addShape(2).addShape(0).addShape(3);
        b.addRawOutputContents(ByteString.EMPTY);
        assertArrayEquals(b.build().toByteArray(), encoded);
    }
}
