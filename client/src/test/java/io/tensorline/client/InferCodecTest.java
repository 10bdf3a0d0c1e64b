package io.tensorline.client;

import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public wire encoding that callers sending bytes themselves (perf, tests on raw stubs) use; no server needed. */
class InferCodecTest {

    private static InferRequest request() {
        return InferRequest.builder("m").version(2).id("r1").priority(3)
                .input(InferTensor.fp32("A", new float[] {1.5f, -2f}, 1, 2))
                .input(InferTensor.strings("S", new String[] {"hi"}))
                .output("OUT").build();
    }

    @Test
    void grpcCarriesEveryPartOfTheRequest() {
        ModelInferRequest r = InferCodec.toGrpc(request());
        assertEquals("m", r.getModelName());
        assertEquals("2", r.getModelVersion());
        assertEquals("r1", r.getId());
        assertEquals(3, r.getParametersOrThrow("priority").getInt64Param());
        assertEquals(List.of(1L, 2L), r.getInputs(0).getShapeList());
        assertEquals("BYTES", r.getInputs(1).getDatatype());
        assertArrayEquals(new byte[] {0, 0, (byte) 0xc0, 0x3f, 0, 0, 0, (byte) 0xc0}, r.getRawInputContents(0).toByteArray());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 'h', 'i'}, r.getRawInputContents(1).toByteArray());
        assertEquals("OUT", r.getOutputs(0).getName());
    }

    @Test
    void restBodiesAreJsonOrAJsonHeaderWithTheBinaryTensors() {
        InferCodec.RestBody json = InferCodec.toRest(request(), false);
        assertEquals(-1, json.jsonLength());
        assertEquals("application/json", json.contentType());
        JsonObject o = JsonParser.parseString(new String(json.bytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("[1.5,-2.0]", o.getAsJsonArray("inputs").get(0).getAsJsonObject().get("data").toString());
        assertEquals("[\"hi\"]", o.getAsJsonArray("inputs").get(1).getAsJsonObject().get("data").toString());

        InferCodec.RestBody binary = InferCodec.toRest(request(), true);
        assertEquals("application/octet-stream", binary.contentType());
        JsonObject header = JsonParser.parseString(new String(binary.bytes(), 0, binary.jsonLength(),
                StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(8, header.getAsJsonArray("inputs").get(0).getAsJsonObject().getAsJsonObject("parameters")
                .get("binary_data_size").getAsInt());
        assertArrayEquals(new byte[] {0, 0, (byte) 0xc0, 0x3f, 0, 0, 0, (byte) 0xc0, 2, 0, 0, 0, 'h', 'i'},
                Arrays.copyOfRange(binary.bytes(), binary.jsonLength(), binary.bytes().length));
    }

    @Test
    void repliesDecodeFromBothTransports() {
        ModelInferResponse grpc = ModelInferResponse.newBuilder().setModelName("m").setId("r1")
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("OUT").setDatatype("INT32")
                        .addShape(2))
                .addRawOutputContents(ByteString.copyFrom(new byte[] {7, 0, 0, 0, -1, -1, -1, -1})).build();
        assertArrayEquals(new int[] {7, -1}, InferCodec.fromGrpc(grpc).output("OUT").asInts());

        byte[] header = "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"OUT\",\"datatype\":\"INT32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":8}}]}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + 8);
        body[header.length] = 7;
        Arrays.fill(body, header.length + 4, body.length, (byte) -1);
        InferResult r = InferCodec.fromRest(body, header.length);
        assertEquals("m", r.model());
        assertArrayEquals(new int[] {7, -1}, r.output("OUT").asInts());
        assertTrue(InferCodec.fromRest("{\"outputs\":[{\"name\":\"OUT\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[0.5]}]}"
                .getBytes(StandardCharsets.UTF_8), -1).output("OUT").asFloats()[0] == 0.5f);
    }
}
