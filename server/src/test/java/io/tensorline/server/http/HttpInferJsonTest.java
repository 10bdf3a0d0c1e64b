package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.engine.DataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.tensorline.server.http.RestFixture.error;
import static io.tensorline.server.http.RestFixture.identityModel;
import static io.tensorline.server.http.RestFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Infer requests and replies in plain JSON (no binary extension). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpInferJsonTest {

    private RestFixture rest;

    @BeforeAll
    void start() {
        rest = RestFixture.standard();
    }

    @AfterAll
    void stop() {
        rest.close();
    }

    /** Each type with values at its edges, written as JSON literals (and as the reply is expected to echo them). */
    static Stream<Arguments> roundTrips() {
        return Stream.of(
                Arguments.of(DataType.BOOL, List.of("true", "false", "true")),
                Arguments.of(DataType.INT8, List.of("-128", "0", "127")),
                Arguments.of(DataType.INT16, List.of("-32768", "1", "32767")),
                Arguments.of(DataType.INT32, List.of("-2147483648", "7", "2147483647")),
                Arguments.of(DataType.INT64, List.of("-9223372036854775808", "0", "9223372036854775807")),
                Arguments.of(DataType.UINT8, List.of("0", "1", "255")),
                Arguments.of(DataType.UINT16, List.of("0", "65535", "3")),
                Arguments.of(DataType.UINT32, List.of("0", "4294967295", "5")),
                Arguments.of(DataType.UINT64, List.of("0", "18446744073709551615", "9223372036854775808")),
                Arguments.of(DataType.FP32, List.of("1.5", "-0.25", "3.4028235E38")),
                Arguments.of(DataType.FP64, List.of("1.0E300", "-2.5", "0.1")),
                Arguments.of(DataType.BYTES, List.of("\"hello\"", "\"\"", "\"grüße, 世界 🚀\"")));
    }

    @ParameterizedTest
    @MethodSource("roundTrips")
    void jsonRoundTrip(DataType type, List<String> values) {
        String body = "{\"inputs\":[" + input("INPUT0", type.name(), "[1,3]", "[" + String.join(",", values) + "]")
                + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/" + identityModel(type) + "/infer", body);
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        JsonNode out = json(r).get("outputs").get(0);
        assertEquals("OUTPUT0", out.get("name").asText());
        assertEquals(type.name(), out.get("datatype").asText());
        assertEquals("[1,3]", out.get("shape").toString());
        List<String> got = new ArrayList<>();
        out.get("data").forEach(v -> got.add(v.isTextual() ? "\"" + v.asText() + "\"" : v.asText()));
        assertEquals(values, got);
    }

    @Test
    void replyNamesModelAndVersionAndEchoesId() {
        String body = "{\"id\":\"req-42\",\"inputs\":[" + addSubInputs("[1,2,3,4]", "[10,20,30,40]") + "]}";
        JsonNode j = json(rest.post("/v2/models/add_sub/infer", body));
        assertEquals("add_sub", j.get("model_name").asText());
        assertEquals("3", j.get("model_version").asText());
        assertEquals("req-42", j.get("id").asText());
        assertEquals("[11.0,22.0,33.0,44.0]", j.get("outputs").get(0).get("data").toString());
        assertEquals("[-9.0,-18.0,-27.0,-36.0]", j.get("outputs").get(1).get("data").toString());
    }

    @Test
    void replyHasNoIdWhenRequestHasNone() {
        JsonNode j = json(rest.post("/v2/models/add_sub/versions/1/infer",
                "{\"inputs\":[" + addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "]}"));
        assertNull(j.get("id"));
        assertEquals("1", j.get("model_version").asText());
    }

    @Test
    void nestedDataIsFlattenedRowMajor() {
        String body = "{\"inputs\":[" + input("INPUT0", "INT32", "[2,3]", "[[1,2,3],[4,5,6]]") + "]}";
        JsonNode out = json(rest.post("/v2/models/identity_int32/infer", body)).get("outputs").get(0);
        assertEquals("[2,3]", out.get("shape").toString());
        assertEquals("[1,2,3,4,5,6]", out.get("data").toString());
    }

    @Test
    void nonBatchingModelTakesItsDimsAsTheFullShape() {
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[2,3]", "[[1,2,3],[4,5,6]]") + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/nobatch/infer", body);
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("[2,3]", json(r).get("outputs").get(0).get("shape").toString());
    }

    @Test
    void dataMayComeBeforeShapeAndDatatype() {
        String body = "{\"inputs\":[{\"data\":[[7,8],[9,10]],\"name\":\"INPUT0\",\"shape\":[2,2],"
                + "\"datatype\":\"INT64\"}]}";
        JsonNode out = json(rest.post("/v2/models/identity_int64/infer", body)).get("outputs").get(0);
        assertEquals("[7,8,9,10]", out.get("data").toString());
    }

    @Test
    void outputSelectionReturnsOnlyTheRequestedOutputsInRequestOrder() {
        String inputs = addSubInputs("[1,2,3,4]", "[1,1,1,1]");
        JsonNode one = json(rest.post("/v2/models/add_sub/infer",
                "{\"inputs\":[" + inputs + "],\"outputs\":[{\"name\":\"OUTPUT1\"}]}"));
        assertEquals(1, one.get("outputs").size());
        assertEquals("OUTPUT1", one.get("outputs").get(0).get("name").asText());
        assertEquals("[0.0,1.0,2.0,3.0]", one.get("outputs").get(0).get("data").toString());

        JsonNode both = json(rest.post("/v2/models/add_sub/infer",
                "{\"inputs\":[" + inputs + "],\"outputs\":[{\"name\":\"OUTPUT1\"},{\"name\":\"OUTPUT0\"}]}"));
        assertEquals("OUTPUT1", both.get("outputs").get(0).get("name").asText());
        assertEquals("OUTPUT0", both.get("outputs").get(1).get("name").asText());
    }

    @Test
    void requestParametersAndUnknownFieldsAreAccepted() {
        String body = "{\"model_name\":\"add_sub\",\"parameters\":{\"priority\":1,\"tag\":\"x\",\"ratio\":0.5,"
                + "\"flag\":true},\"inputs\":[" + addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "],\"extra\":{\"a\":[1]}}";
        assertEquals(200, rest.post("/v2/models/add_sub/infer", body).statusCode());
    }

    @Test
    void integralFloatsAreAcceptedForIntegerTypes() {
        String body = "{\"inputs\":[" + input("INPUT0", "INT16", "[1,2]", "[2.0,-3e2]") + "]}";
        JsonNode out = json(rest.post("/v2/models/identity_int16/infer", body)).get("outputs").get(0);
        assertEquals("[2,-300]", out.get("data").toString());
    }

    @Test
    void nonFiniteFloatsAreWrittenAsStringsSoTheReplyIsValidJson() throws Exception {
        for (String type : new String[] {"FP32", "FP64"}) {
            String body = "{\"inputs\":[" + input("INPUT0", type, "[1,4]", "[NaN,Infinity,-Infinity,1.5]") + "]}";
            HttpResponse<byte[]> r = rest.post("/v2/models/identity_" + type.toLowerCase() + "/infer", body);
            assertEquals(200, r.statusCode());
            assertTrue(RestFixture.text(r).contains("\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",1.5]"),
                    RestFixture.text(r));
            // a strict parser (no non-numeric extensions) reads it
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        }
    }

    @Test
    void theStringsOfOurRepliesAreAcceptedBackOnInput() {
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[1,3]", "[\"NaN\",\"Infinity\",\"-Infinity\"]")
                + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_fp32/infer", body);
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertTrue(RestFixture.text(r).contains("\"data\":[\"NaN\",\"Infinity\",\"-Infinity\"]"),
                RestFixture.text(r));
    }

    @Test
    void otherStringsAreNotFloats() {
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[1,1]", "[\"inf\"]") + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_fp32/infer", body);
        assertEquals(400, r.statusCode());
        assertEquals("input 'INPUT0': element 0 of 'data' is \"inf\" (expected: a JSON number, or \"NaN\", "
                + "\"Infinity\" or \"-Infinity\", for FP32)", error(r));
    }

    @Test
    void emptyTensorIsRefusedWhenTheModelDoesNotAllowIt() {
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[1,0]", "[]") + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_fp32/infer", body);
        assertEquals(400, r.statusCode());
        assertEquals("input 'INPUT0' for model 'identity_fp32' has shape [1, 0], an empty tensor (expected: every "
                + "dimension at least 1, or config parameter allow_empty_tensors \"true\")", error(r));
    }

    @Test
    void emptyTensorRoundTripsWhenTheModelAllowsIt() {
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[1,0]", "[]") + "]}";
        JsonNode out = json(rest.post("/v2/models/identity_empty_ok/infer", body)).get("outputs").get(0);
        assertEquals("[1,0]", out.get("shape").toString());
        assertEquals("[]", out.get("data").toString());
    }

    @Test
    void engineFailureIs500AndTheNextRequestSucceeds() {
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[2]", "[1,2]") + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/failing/infer", body);
        assertEquals(500, r.statusCode());
        assertTrue(error(r).contains("engine exploded"), error(r));
        assertEquals(200, rest.post("/v2/models/identity_fp32/infer",
                "{\"inputs\":[" + input("INPUT0", "FP32", "[1,2]", "[1,2]") + "]}").statusCode());
    }

    @Test
    void manySequentialRequestsOnOneClient() {
        for (int i = 0; i < 50; i++) {
            String body = "{\"id\":\"" + i + "\",\"inputs\":[" + addSubInputs("[" + i + ",0,0,0]", "[1,1,1,1]") + "]}";
            JsonNode j = json(rest.post("/v2/models/add_sub/infer", body));
            assertEquals(Integer.toString(i), j.get("id").asText());
            assertEquals(i + 1.0, j.get("outputs").get(0).get("data").get(0).asDouble());
        }
    }

    static String input(String name, String datatype, String shape, String data) {
        return "{\"name\":\"" + name + "\",\"shape\":" + shape + ",\"datatype\":\"" + datatype + "\",\"data\":" + data
                + "}";
    }

    static String addSubInputs(String a, String b) {
        return input("INPUT0", "FP32", "[1,4]", "[" + a + "]") + "," + input("INPUT1", "FP32", "[1,4]", "[" + b + "]");
    }
}
