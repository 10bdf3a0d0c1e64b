package io.tensorline.server.e2e;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.CudaSharedMemoryRegisterRequest;
import io.tensorline.proto.CudaSharedMemoryStatusRequest;
import io.tensorline.proto.CudaSharedMemoryUnregisterRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.SystemSharedMemoryRegisterRequest;
import io.tensorline.proto.SystemSharedMemoryStatusRequest;
import io.tensorline.proto.SystemSharedMemoryUnregisterRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static io.tensorline.server.e2e.Tensors.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameters that change what a request means are refused, never dropped: shared memory on inputs and outputs
 * with client shared memory disabled (the default: no region can be registered), and Triton's reserved
 * {@code triton_} request keys. {@link SharedMemoryTest} covers the extension switched on.
 */
class SharedMemoryRefusalTest {

    private static LiveServer live;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        live = LiveServer.start(TestServers.TEST_REPOSITORY);
        stub = live.stub;
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private static InferParameter str(String s) {
        return InferParameter.newBuilder().setStringParam(s).build();
    }

    private static InferParameter int64(long v) {
        return InferParameter.newBuilder().setInt64Param(v).build();
    }

    private static ModelInferRequest.Builder identity() {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("identity_fp32");
        b.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(1).addShape(4);
        return b;
    }

    private static Status grpc(ModelInferRequest r) {
        return assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(r)).getStatus();
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return live.post("/v2/models/identity_fp32/infer", body);
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return LiveServer.error(r);
    }

    private static final String INPUT = "{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}";

    @Test
    void anInputInSharedMemoryIsNotFound() throws Exception {
        ModelInferRequest.Builder b = identity();
        b.getInputsBuilder(0).putParameters("shared_memory_region", str("in0"))
                .putParameters("shared_memory_byte_size", int64(16));
        Status s = grpc(b.build());
        assertEquals(Status.Code.NOT_FOUND, s.getCode());
        assertTrue(s.getDescription().startsWith("Unable to find shared memory region: 'in0'"), s.getDescription());
        HttpResponse<String> r = post("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                + "\"parameters\":{\"shared_memory_region\":\"in0\",\"shared_memory_byte_size\":16}}]}");
        assertEquals(404, r.statusCode());
        assertTrue(error(r).startsWith("Unable to find shared memory region: 'in0'"), r.body());
    }

    @Test
    void anOutputInSharedMemoryIsNotAnsweredInline() throws Exception {
        ModelInferRequest.Builder b = identity().addRawInputContents(floats(1, 2, 3, 4));
        b.addOutputsBuilder().setName("OUTPUT0").putParameters("shared_memory_region", str("out0"))
                .putParameters("shared_memory_byte_size", int64(16));
        Status s = grpc(b.build());
        assertEquals(Status.Code.NOT_FOUND, s.getCode());
        assertTrue(s.getDescription().startsWith("Unable to find shared memory region: 'out0'"), s.getDescription());
        HttpResponse<String> r = post("{\"inputs\":[" + INPUT + "],\"outputs\":[{\"name\":\"OUTPUT0\","
                + "\"parameters\":{\"shared_memory_region\":\"out0\",\"shared_memory_byte_size\":16}}]}");
        assertEquals(404, r.statusCode());
        assertTrue(error(r).startsWith("Unable to find shared memory region: 'out0'"), r.body());
    }

    @Test
    void grpcNeedsTheByteSizeWithARegion() {
        ModelInferRequest.Builder b = identity();
        b.getInputsBuilder(0).putParameters("shared_memory_region", str("in0"));
        Status s = grpc(b.build());
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("'shared_memory_byte_size' must be specified along with 'shared_memory_region' parameter for "
                + "tensor 'INPUT0'", s.getDescription());
    }

    @Test
    void anOffsetWithoutARegionIsInvalid() throws Exception {
        ModelInferRequest.Builder b = identity().addRawInputContents(floats(1, 2, 3, 4));
        b.getInputsBuilder(0).putParameters("shared_memory_offset", int64(0));
        Status s = grpc(b.build());
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        String text = "'shared_memory_offset' can not be specified without 'shared_memory_region' parameter for "
                + "tensor 'INPUT0'";
        assertEquals(text, s.getDescription());
        HttpResponse<String> r = post("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                + "\"data\":[1,2,3,4],\"parameters\":{\"shared_memory_offset\":0}}]}");
        assertEquals(400, r.statusCode());
        assertEquals(text, error(r));
    }

    @Test
    void grpcRefusesContentsWithSharedMemory() {
        ModelInferRequest.Builder b = identity();
        b.getInputsBuilder(0).putParameters("shared_memory_region", str("in0"))
                .putParameters("shared_memory_byte_size", int64(16))
                .setContents(io.tensorline.proto.InferTensorContents.newBuilder().addFp32Contents(1)
                        .addFp32Contents(2).addFp32Contents(3).addFp32Contents(4));
        assertEquals("unexpected 'content' provided when using shared memory for input tensor 'INPUT0' for model "
                + "'identity_fp32'", grpc(b.build()).getDescription());
    }

    @Test
    void httpRefusesDataWithSharedMemory() throws Exception {
        HttpResponse<String> r = post("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                + "\"data\":[1,2,3,4],\"parameters\":{\"shared_memory_region\":\"in0\"}}]}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("Input must set only one of the following fields: 'data', 'binary_data_size' "
                + "in 'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'shared_memory_region'"),
                r.body());
    }

    @Test
    void classificationAndSharedMemoryTogetherAreRefused() throws Exception {
        ModelInferRequest.Builder b = identity().addRawInputContents(floats(1, 2, 3, 4));
        b.addOutputsBuilder().setName("OUTPUT0").putParameters("shared_memory_region", str("out0"))
                .putParameters("shared_memory_byte_size", int64(16)).putParameters("classification", int64(1));
        assertEquals("output can't set both 'shared_memory_region' and 'classification'",
                grpc(b.build()).getDescription());
        HttpResponse<String> r = post("{\"inputs\":[" + INPUT + "],\"outputs\":[{\"name\":\"OUTPUT0\","
                + "\"parameters\":{\"shared_memory_region\":\"out0\",\"classification\":1}}]}");
        assertEquals(400, r.statusCode());
        assertEquals("Output can't set both 'shared_memory_region' and 'classification'", error(r));
    }

    @Test
    void reservedTritonKeysAreRefused() throws Exception {
        Status s = grpc(identity().addRawInputContents(floats(1, 2, 3, 4))
                .putParameters("triton_secret", str("x")).build());
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("parameter key 'triton_secret' is reserved for Triton usage"),
                s.getDescription());
        HttpResponse<String> r = post("{\"parameters\":{\"triton_enable_empty_final_response\":true},\"inputs\":["
                + INPUT + "]}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("parameter key 'triton_enable_empty_final_response' is reserved for Triton "
                + "usage"), r.body());
    }

    @Test
    void grpcAcceptsTheEmptyFinalResponseFlag() {
        var response = stub.modelInfer(identity().addRawInputContents(floats(1, 2, 3, 4))
                .putParameters("triton_enable_empty_final_response", InferParameter.newBuilder().setBoolParam(true)
                        .build()).build());
        assertEquals(16, response.getRawOutputContents(0).size());
    }

    private static final String DISABLED = "Client shared memory is disabled. Start the server with "
            + "'--allow-client-shm=true' to enable.";

    private static void assertDisabled(org.junit.jupiter.api.function.Executable call) {
        Status s = assertThrows(StatusRuntimeException.class, call).getStatus();
        assertEquals(Status.Code.UNIMPLEMENTED, s.getCode());
        assertTrue(s.getDescription().startsWith(DISABLED), s.getDescription());
    }

    @Test
    void grpcSharedMemoryCallsAnswerAsTritonWithClientShmDisabled() {
        assertDisabled(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder()
                .setName("r").setKey("/r").setByteSize(64).build()));
        assertDisabled(() -> stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance()));
        assertDisabled(() -> stub.cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest.newBuilder()
                .setName("c").setByteSize(64).build()));
        assertDisabled(() -> stub.cudaSharedMemoryUnregister(CudaSharedMemoryUnregisterRequest.getDefaultInstance()));
        assertEquals(0, stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance())
                .getRegionsCount());
        assertEquals(0, stub.cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest.getDefaultInstance())
                .getRegionsCount());
        Status s = assertThrows(StatusRuntimeException.class, () -> stub.systemSharedMemoryStatus(
                SystemSharedMemoryStatusRequest.newBuilder().setName("r").build())).getStatus();
        assertEquals(Status.Code.NOT_FOUND, s.getCode());
        assertEquals("Unable to find system shared memory region: 'r'", s.getDescription());
    }

    @Test
    void restSharedMemoryCallsAnswerAsTritonWithClientShmDisabled() throws Exception {
        for (String path : List.of("/v2/systemsharedmemory/region/r/register", "/v2/systemsharedmemory/unregister",
                "/v2/systemsharedmemory/region/r/unregister", "/v2/cudasharedmemory/region/c/register",
                "/v2/cudasharedmemory/unregister")) {
            HttpResponse<String> r = live.post(path, "{\"key\":\"/r\",\"byte_size\":64}");
            assertEquals(501, r.statusCode(), path);
            assertTrue(LiveServer.error(r).startsWith(DISABLED), r.body());
        }
        for (String path : List.of("/v2/systemsharedmemory/status", "/v2/cudasharedmemory/status")) {
            HttpResponse<String> r = live.http.send(live.request(path).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
            assertEquals("[]", r.body());
        }
        HttpResponse<String> r = live.http.send(live.request("/v2/cudasharedmemory/region/c/status").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertEquals("Unable to find cuda shared memory region: 'c'", LiveServer.error(r));
        assertEquals(405, live.http.send(live.request("/v2/systemsharedmemory/status")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void serverMetadataDoesNotListSharedMemory() {
        List<String> extensions = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList();
        assertFalse(extensions.contains("system_shared_memory"), extensions.toString());
        assertFalse(extensions.contains("cuda_shared_memory"), extensions.toString());
    }
}
