package io.tensorline.server.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static io.tensorline.server.http.BinaryBodies.HEADER;
import static io.tensorline.server.http.BinaryBodies.body;
import static io.tensorline.server.http.BinaryBodies.floats;
import static io.tensorline.server.http.BinaryBodies.jsonLength;
import static io.tensorline.server.http.HttpInferJsonTest.addSubInputs;
import static io.tensorline.server.http.HttpInferJsonTest.input;
import static io.tensorline.server.http.RestFixture.error;
import static io.tensorline.server.http.RestFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad infer request gets its status and a message naming the problem; after each test a good request still
 * succeeds (checked in {@link #serverStillServes()}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpInferErrorsTest {

    private RestFixture rest;

    @BeforeAll
    void start() {
        rest = RestFixture.standard();
    }

    @AfterAll
    void stop() {
        rest.close();
    }

    @AfterEach
    void serverStillServes() {
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer",
                "{\"inputs\":[" + addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "]}");
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("[2.0,3.0,4.0,5.0]", json(r).get("outputs").get(0).get("data").toString());
    }

    private void assertError(int status, String fragment, HttpResponse<byte[]> r) {
        assertEquals(status, r.statusCode(), RestFixture.text(r));
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(error(r).contains(fragment), "'" + error(r) + "' should contain '" + fragment + "'");
    }

    private HttpResponse<byte[]> addSub(String json) {
        return rest.post("/v2/models/add_sub/infer", json);
    }

    private static String good() {
        return addSubInputs("[1,2,3,4]", "[1,1,1,1]");
    }

    @Test
    void unknownModelIs404() {
        assertError(404, "Request for unknown model: 'nope' is not found", rest.post("/v2/models/nope/infer", "{\"inputs\":[" + good() + "]}"));
    }

    @Test
    void unknownVersionIs404() {
        assertError(404, "version 2", rest.post("/v2/models/add_sub/versions/2/infer", "{\"inputs\":[" + good() + "]}"));
    }

    @Test
    void nonNumericVersionIs400() {
        assertError(400, "failed to get model version from specified version string 'latest' (details: stol)",
                rest.post("/v2/models/add_sub/versions/latest/infer", "{\"inputs\":[" + good() + "]}"));
    }

    @Test
    void unavailableModelIs503() {
        assertError(503, "not a valid ONNX file", rest.post("/v2/models/broken/infer",
                "{\"inputs\":[" + input("INPUT0", "FP32", "[1]", "[1]") + "]}"));
    }

    @Test
    void wrongDatatypeIs400() {
        assertError(400, "[request id: <id_unknown>] inference input 'INPUT0' data-type is 'INT32', but model "
                + "'add_sub' expects 'FP32'", addSub(
                "{\"inputs\":[" + input("INPUT0", "INT32", "[1,4]", "[1,2,3,4]") + ","
                        + input("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}"));
    }

    @Test
    void wrongShapeIs400() {
        assertError(400, "[request id: <id_unknown>] unexpected shape for input 'INPUT0' for model 'add_sub'. "
                + "Expected [-1,4], got [1,5]. NOTE: Setting a non-zero max_batch_size", addSub(
                "{\"inputs\":[" + input("INPUT0", "FP32", "[1,5]", "[1,2,3,4,5]") + ","
                        + input("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}"));
    }

    @Test
    void missingInputIs400() {
        assertError(400, "missing input 'INPUT1'",
                addSub("{\"inputs\":[" + input("INPUT0", "FP32", "[1,4]", "[1,2,3,4]") + "]}"));
    }

    @Test
    void unknownInputIs400() {
        assertError(400, "unexpected inference input 'INPUT9'", addSub("{\"inputs\":[" + good() + ","
                + input("INPUT9", "FP32", "[1,4]", "[1,2,3,4]") + "]}"));
    }

    @Test
    void batchAboveMaxBatchSizeIs400() {
        String nine = "[" + "1,2,3,4,".repeat(8) + "1,2,3,4]";
        assertError(400, "[request id: <id_unknown>] inference request batch-size must be <= 8 for 'add_sub' (got 9)", addSub("{\"inputs\":["
                + input("INPUT0", "FP32", "[9,4]", nine) + "," + input("INPUT1", "FP32", "[9,4]", nine) + "]}"));
    }

    @Test
    void malformedJsonIs400() {
        assertError(400, "malformed JSON request body: ", addSub("{\"inputs\":[{\"name\":\"INPUT0\",]}"));
        assertError(400, "malformed JSON request body: ", addSub("{\"inputs\":[" + good()));
        assertError(400, "malformed JSON request body: the body is empty", addSub(""));
        assertError(400, "malformed JSON request body: it starts with [", addSub("[1,2]"));
        assertError(400, "content after the JSON object", addSub("{\"inputs\":[" + good() + "]} {}"));
    }

    @Test
    void dataLengthMismatchIs400() {
        assertError(400, "input 'INPUT0' has 5 elements in 'data' (expected: 6 for shape [2,3])",
                rest.post("/v2/models/identity_fp32/infer",
                        "{\"inputs\":[" + input("INPUT0", "FP32", "[2,3]", "[[1,2,3],[4,5]]") + "]}"));
        assertError(400, "input 'INPUT0' has 7 elements in 'data' (expected: 6 for shape [2,3])",
                rest.post("/v2/models/identity_fp32/infer",
                        "{\"inputs\":[" + input("INPUT0", "FP32", "[2,3]", "[1,2,3,4,5,6,7]") + "]}"));
    }

    @Test
    void hugeShapeWithLittleDataIs400WithoutAllocating() {
        assertError(400, "has 2 elements in 'data' (expected: 100000000000 for shape [1,100000000000])",
                rest.post("/v2/models/identity_fp64/infer",
                        "{\"inputs\":[" + input("INPUT0", "FP64", "[1,100000000000]", "[1,2]") + "]}"));
    }

    @Test
    void elementOfTheWrongJsonTypeIs400() {
        assertError(400, "input 'INPUT0': element 1 of 'data' is \"x\" (expected: an integer JSON number for INT32)",
                rest.post("/v2/models/identity_int32/infer",
                        "{\"inputs\":[" + input("INPUT0", "INT32", "[1,2]", "[1,\"x\"]") + "]}"));
        assertError(400, "element 0 of 'data' is 1.5 (expected: an integer for INT32)",
                rest.post("/v2/models/identity_int32/infer",
                        "{\"inputs\":[" + input("INPUT0", "INT32", "[1,1]", "[1.5]") + "]}"));
        assertError(400, "element 0 of 'data' is 1 (expected: true or false for BOOL)",
                rest.post("/v2/models/identity_bool/infer",
                        "{\"inputs\":[" + input("INPUT0", "BOOL", "[1,1]", "[1]") + "]}"));
        assertError(400, "element 0 of 'data' is 5 (expected: a JSON string for BYTES)",
                rest.post("/v2/models/identity_bytes/infer",
                        "{\"inputs\":[" + input("INPUT0", "BYTES", "[1,1]", "[5]") + "]}"));
        assertError(400, "element 0 of 'data' is true (expected: a JSON number for FP32)",
                rest.post("/v2/models/identity_fp32/infer",
                        "{\"inputs\":[" + input("INPUT0", "FP32", "[1,1]", "[true]") + "]}"));
    }

    @Test
    void outOfRangeNumberIs400() {
        assertError(400, "element 1 of 'data' is 128 (expected: INT8 range [-128, 127])",
                rest.post("/v2/models/identity_int8/infer",
                        "{\"inputs\":[" + input("INPUT0", "INT8", "[1,2]", "[1,128]") + "]}"));
        assertError(400, "is -1 (expected: UINT32 range [0, 4294967295])",
                rest.post("/v2/models/identity_uint32/infer",
                        "{\"inputs\":[" + input("INPUT0", "UINT32", "[1,1]", "[-1]") + "]}"));
        assertError(400, "is 18446744073709551616 (expected: UINT64 range",
                rest.post("/v2/models/identity_uint64/infer",
                        "{\"inputs\":[" + input("INPUT0", "UINT64", "[1,1]", "[18446744073709551616]") + "]}"));
        assertError(400, "(expected: INT64 range",
                rest.post("/v2/models/identity_int64/infer",
                        "{\"inputs\":[" + input("INPUT0", "INT64", "[1,1]", "[9223372036854775808]") + "]}"));
        assertError(400, "(expected: a number within FP32 range)",
                rest.post("/v2/models/identity_fp32/infer",
                        "{\"inputs\":[" + input("INPUT0", "FP32", "[1,1]", "[1e39]") + "]}"));
    }

    @Test
    void fp16InJsonIs400() {
        assertError(400, "send FP16 as binary data", rest.post("/v2/models/identity_fp16/infer",
                "{\"inputs\":[" + input("INPUT0", "FP16", "[1,2]", "[1.0,2.0]") + "]}"));
    }

    @Test
    void badInputDescriptionsAre400() {
        assertError(400, "input #0 has no 'name'",
                addSub("{\"inputs\":[{\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"));
        assertError(400, "input 'INPUT0' has no 'datatype'",
                addSub("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}"));
        assertError(400, "input 'INPUT0' has no 'shape'",
                addSub("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"));
        assertError(400, "input 'INPUT0' has datatype 'FLOAT' (expected one of: [BOOL,",
                addSub("{\"inputs\":[" + input("INPUT0", "FLOAT", "[1,4]", "[1,2,3,4]") + "]}"));
        assertError(400, "input 'INPUT0' has shape [1,-4] (expected: dimensions >= 0)",
                addSub("{\"inputs\":[" + input("INPUT0", "FP32", "[1,-4]", "[1,2,3,4]") + "]}"));
        assertError(400, "But no field is set (input 'INPUT0')",
                addSub("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4]}]}"));
        assertError(400, "has 'data' that is not an array",
                addSub("{\"inputs\":[" + input("INPUT0", "FP32", "[1,1]", "3") + "]}"));
        assertError(400, "'id' is 5 (expected: a JSON string)", addSub("{\"id\":5,\"inputs\":[" + good() + "]}"));
        assertError(400, "'inputs' is not an array", addSub("{\"inputs\":{}}"));
    }

    @Test
    void badOutputRequestsAreRejected() {
        assertError(400, "unexpected inference output 'OUTPUT7'",
                addSub("{\"inputs\":[" + good() + "],\"outputs\":[{\"name\":\"OUTPUT7\"}]}"));
        assertError(400, "output 'OUTPUT0' is requested more than once",
                addSub("{\"inputs\":[" + good() + "],\"outputs\":[{\"name\":\"OUTPUT0\"},{\"name\":\"OUTPUT0\"}]}"));
        assertError(400, "parameters.binary_data yes (expected: a boolean)", addSub("{\"inputs\":[" + good()
                + "],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":\"yes\"}}]}"));
        assertError(400, "parameters.classification -2 (expected: an unsigned integer", addSub("{\"inputs\":["
                + good() + "],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"classification\":-2}}]}"));
    }

    @Test
    void badParametersAre400() {
        assertError(400, "parameter 'p' in request 'parameters' is an object",
                addSub("{\"parameters\":{\"p\":{}},\"inputs\":[" + good() + "]}"));
        assertError(400, "'binary_data_output' is 1 (expected: a boolean)",
                addSub("{\"parameters\":{\"binary_data_output\":1},\"inputs\":[" + good() + "]}"));
    }

    @Test
    void sharedMemoryIsNotFound() {
        assertError(404, "Unable to find shared memory region: 'r'", addSub("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\","
                + "\"shape\":[1,4],\"parameters\":{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":16}}]}"));
    }

    private static String binaryInputs(int size0, int size1) {
        return "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,4],\"datatype\":\"FP32\",\"parameters\":"
                + "{\"binary_data_size\":" + size0 + "}},{\"name\":\"INPUT1\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + size1 + "}}]}";
    }

    @Test
    void truncatedBinaryBodyIs400() {
        String json = binaryInputs(16, 16);
        assertError(400, "input 'INPUT1' has binary_data_size 16 but only 8 bytes of binary data remain",
                rest.post("/v2/models/add_sub/infer", body(json, floats(1, 2, 3, 4), floats(1, 2)), HEADER,
                        jsonLength(json)));
    }

    @Test
    void leftoverBinaryBytesAre400() {
        String json = binaryInputs(16, 16);
        assertError(400, "the request body has 36 bytes after the",
                rest.post("/v2/models/add_sub/infer", body(json, floats(1, 2, 3, 4), floats(1, 2, 3, 4),
                        new byte[] {1, 2, 3, 4}), HEADER, jsonLength(json)));
    }

    @Test
    void binarySizeThatDoesNotMatchTheShapeIs400() {
        String json = binaryInputs(12, 20);
        assertError(400, "[request id: <id_unknown>] input byte size mismatch for input 'INPUT0' for model "
                + "'add_sub'. Expected 16, got 12",
                rest.post("/v2/models/add_sub/infer", body(json, floats(1, 2, 3), floats(1, 2, 3, 4, 5)), HEADER,
                        jsonLength(json)));
    }

    @Test
    void binaryDataWithoutTheHeaderIs400() {
        String json = binaryInputs(16, 16);
        assertError(400, "carries no binary data (expected: an Inference-Header-Content-Length header",
                rest.post("/v2/models/add_sub/infer", json));
    }

    @Test
    void headerLengthLargerThanTheBodyIs400() {
        String json = "{\"inputs\":[" + good() + "]}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertError(400, "Inference-Header-Content-Length " + (bytes.length + 1) + " does not fit the request body of "
                + bytes.length + " bytes", rest.post("/v2/models/add_sub/infer", bytes, HEADER,
                Integer.toString(bytes.length + 1)));
        assertError(400, "does not fit", rest.post("/v2/models/add_sub/infer", bytes, HEADER, "-3"));
    }

    @Test
    void headerLengthThatIsNotANumberIs400() {
        assertError(400, "Inference-Header-Content-Length 'abc' is not a number",
                rest.post("/v2/models/add_sub/infer", ("{\"inputs\":[" + good() + "]}").getBytes(StandardCharsets.UTF_8),
                        HEADER, "abc"));
    }

    @Test
    void headerLengthCuttingTheJsonIs400() {
        String json = "{\"inputs\":[" + good() + "]}";
        assertError(400, "malformed JSON request body", rest.post("/v2/models/add_sub/infer",
                json.getBytes(StandardCharsets.UTF_8), HEADER, "10"));
    }

    @Test
    void dataAndBinaryDataSizeTogetherAre400() {
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4],"
                + "\"parameters\":{\"binary_data_size\":16}}," + input("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}";
        assertError(400, "But set 'data' 'binary_data_size' (input 'INPUT0')",
                rest.post("/v2/models/add_sub/infer", body(json, floats(1, 2, 3, 4)), HEADER, jsonLength(json)));
    }

    @Test
    void malformedBytesBinaryInputIs400() {
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,2],\"datatype\":\"BYTES\",\"parameters\":"
                + "{\"binary_data_size\":6}}]}";
        assertError(400, "malformed BYTES data", rest.post("/v2/models/identity_bytes/infer",
                body(json, new byte[] {9, 0, 0, 0, 'a', 'b'}), HEADER, jsonLength(json)));
    }
}
