package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.CudaSharedMemoryRegisterRequest;
import io.tensorline.proto.CudaSharedMemoryStatusRequest;
import io.tensorline.proto.CudaSharedMemoryUnregisterRequest;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.SystemSharedMemoryRegisterRequest;
import io.tensorline.proto.SystemSharedMemoryStatusRequest;
import io.tensorline.proto.SystemSharedMemoryStatusResponse;
import io.tensorline.proto.SystemSharedMemoryUnregisterRequest;
import io.grpc.stub.StreamObserver;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The system shared memory extension with {@code --allow-client-shm=true}, driven as Triton's
 * {@code simple_grpc_shm_client} and {@code simple_http_shm_client} drive it: objects made under {@code /dev/shm},
 * regions registered, add_sub run with its inputs and outputs in the regions, outputs read back from the
 * client's own mapping, status, unregister. Every register and inference error, in Triton's words.
 */
class SharedMemoryTest {

    private static final float[] IN0 = {1, 2, 3, 4};
    private static final float[] IN1 = {10, 20, 30, 40};
    private static final float[] SUM = {11, 22, 33, 44};
    private static final float[] DIFF = {-9, -18, -27, -36};

    private static LiveServer live;
    private final List<ShmObject> objects = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        live = LiveServer.wrap(TensorlineServer.start(TestServers.options(TestServers.TEST_REPOSITORY, true,
                256 * 1024 * 1024).withAllowClientShm(true)));
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        live.stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance());
        for (ShmObject o : objects) {
            o.close();
        }
    }

    private ShmObject object(long size) throws Exception {
        ShmObject o = ShmObject.create(size);
        objects.add(o);
        return o;
    }

    private static InferParameter str(String s) {
        return InferParameter.newBuilder().setStringParam(s).build();
    }

    private static InferParameter int64(long v) {
        return InferParameter.newBuilder().setInt64Param(v).build();
    }

    private static void register(String name, ShmObject o, long offset, long size) {
        live.stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName(name)
                .setKey(o.key).setOffset(offset).setByteSize(size).build());
    }

    private static Status grpcError(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus();
    }

    /** The example's regions: both inputs in "input_data", both outputs in "output_data". */
    private ShmObject[] exampleRegions() throws Exception {
        ShmObject in = object(32).putFloats(0, IN0).putFloats(16, IN1);
        ShmObject out = object(32);
        register("input_data", in, 0, 32);
        register("output_data", out, 0, 32);
        return new ShmObject[] {in, out};
    }

    private static ModelInferRequest.Builder addSub() {
        return ModelInferRequest.newBuilder().setModelName("add_sub").setModelVersion("1");
    }

    private static ModelInferRequest.InferInputTensor.Builder shmInput(String name, String region, long offset,
                                                                       long size) {
        return LiveServer.input(name, "FP32", 1, 4).putParameters("shared_memory_region", str(region))
                .putParameters("shared_memory_offset", int64(offset))
                .putParameters("shared_memory_byte_size", int64(size));
    }

    private static ModelInferRequest.InferRequestedOutputTensor.Builder shmOutput(String name, String region,
                                                                                long offset, long size) {
        return ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(name)
                .putParameters("shared_memory_region", str(region))
                .putParameters("shared_memory_offset", int64(offset))
                .putParameters("shared_memory_byte_size", int64(size));
    }

    private static ModelInferRequest exampleRequest() {
        return addSub().addInputs(shmInput("INPUT0", "input_data", 0, 16))
                .addInputs(shmInput("INPUT1", "input_data", 16, 16))
                .addOutputs(shmOutput("OUTPUT0", "output_data", 0, 16))
                .addOutputs(shmOutput("OUTPUT1", "output_data", 16, 16)).build();
    }

    @Test
    void grpcShmExampleFlow() throws Exception {
        ShmObject[] regions = exampleRegions();
        ModelInferResponse r = live.stub.modelInfer(exampleRequest());
        assertEquals(2, r.getOutputsCount());
        assertEquals(2, r.getRawOutputContentsCount());
        for (int i = 0; i < 2; i++) {
            assertEquals("OUTPUT" + i, r.getOutputs(i).getName());
            assertEquals("FP32", r.getOutputs(i).getDatatype());
            assertEquals(List.of(1L, 4L), r.getOutputs(i).getShapeList());
            assertTrue(r.getOutputs(i).getParametersMap().isEmpty(), "shm parameters are not echoed");
            assertTrue(r.getRawOutputContents(i).isEmpty(), "an shm output has an empty raw entry");
        }
        assertArrayEquals(SUM, regions[1].floats(0, 4));
        assertArrayEquals(DIFF, regions[1].floats(16, 4));

        SystemSharedMemoryStatusResponse status = live.stub.systemSharedMemoryStatus(
                SystemSharedMemoryStatusRequest.getDefaultInstance());
        assertEquals(2, status.getRegionsCount());
        SystemSharedMemoryStatusResponse.RegionStatus in = status.getRegionsOrThrow("input_data");
        assertEquals("input_data", in.getName());
        assertEquals(regions[0].key, in.getKey());
        assertEquals(0, in.getOffset());
        assertEquals(32, in.getByteSize());
        assertEquals(1, live.stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.newBuilder()
                .setName("output_data").build()).getRegionsCount());

        live.stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.newBuilder()
                .setName("input_data").build());
        assertEquals(List.of("output_data"), List.copyOf(live.stub.systemSharedMemoryStatus(
                SystemSharedMemoryStatusRequest.getDefaultInstance()).getRegionsMap().keySet()));
        live.stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance());
        assertEquals(0, live.stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance())
                .getRegionsCount());
        assertEquals(0, live.server.sharedMemory().mappedRegions());
    }

    @Test
    void grpcStreamInferReadsAndWritesRegionsToo() throws Exception {
        ShmObject[] regions = exampleRegions();
        CompletableFuture<ModelStreamInferResponse> got = new CompletableFuture<>();
        StreamObserver<ModelInferRequest> requests = live.async.modelStreamInfer(new StreamObserver<>() {
            @Override
            public void onNext(ModelStreamInferResponse r) {
                got.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                got.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(exampleRequest());
        ModelStreamInferResponse r = got.get(60, TimeUnit.SECONDS);
        requests.onCompleted();
        assertEquals("", r.getErrorMessage());
        assertEquals(2, r.getInferResponse().getRawOutputContentsCount());
        assertTrue(r.getInferResponse().getRawOutputContents(1).isEmpty());
        assertArrayEquals(SUM, regions[1].floats(0, 4));
        assertArrayEquals(DIFF, regions[1].floats(16, 4));
    }

    @Test
    void grpcMixesSharedMemoryAndRawTensors() throws Exception {
        ShmObject in = object(16).putFloats(0, IN0);
        register("in0", in, 0, 16);
        // INPUT1 takes raw_input_contents[0]: shm inputs take no raw entry; OUTPUT1 comes back inline
        ModelInferResponse r = live.stub.modelInfer(addSub().addInputs(shmInput("INPUT0", "in0", 0, 16))
                .addInputs(LiveServer.input("INPUT1", "FP32", 1, 4)).addRawInputContents(floats(IN1))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT1")).build());
        assertArrayEquals(DIFF, Tensors.toFloats(r.getRawOutputContents(0)));
    }

    @Test
    void restShmExampleFlow() throws Exception {
        ShmObject in = object(32).putFloats(0, IN0).putFloats(16, IN1);
        ShmObject out = object(64);
        HttpResponse<String> reg = live.post("/v2/systemsharedmemory/region/input_data/register",
                "{\"key\":\"" + in.key + "\",\"offset\":0,\"byte_size\":32}");
        assertEquals(200, reg.statusCode(), reg.body());
        // the output region starts 32 bytes into its object; tensor offsets are relative to the region
        assertEquals(200, live.post("/v2/systemsharedmemory/region/output_data/register",
                "{\"key\":\"" + out.key + "\",\"offset\":32,\"byte_size\":32}").statusCode());
        HttpResponse<String> r = live.post("/v2/models/add_sub/versions/1/infer", "{\"inputs\":["
                + restInput("INPUT0", "input_data", 0) + "," + restInput("INPUT1", "input_data", 16) + "],"
                + "\"outputs\":[" + restOutput("OUTPUT0", "output_data", 0) + ","
                + restOutput("OUTPUT1", "output_data", 16) + "]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode outputs = LiveServer.JSON.readTree(r.body()).get("outputs");
        for (int i = 0; i < 2; i++) {
            JsonNode o = outputs.get(i);
            assertEquals("OUTPUT" + i, o.get("name").asText());
            assertEquals("FP32", o.get("datatype").asText());
            assertEquals("[1,4]", o.get("shape").toString());
            assertFalse(o.has("data"), r.body());
            assertFalse(o.has("parameters"), r.body());
        }
        assertArrayEquals(SUM, out.floats(32, 4));
        assertArrayEquals(DIFF, out.floats(48, 4));
        assertArrayEquals(new float[4], out.floats(0, 4), "nothing written before the region");

        HttpResponse<String> status = get("/v2/systemsharedmemory/status");
        assertEquals(200, status.statusCode());
        JsonNode regions = LiveServer.JSON.readTree(status.body());
        assertEquals(2, regions.size());
        JsonNode o = regions.get(1);
        assertEquals("output_data", o.get("name").asText());
        assertEquals(out.key, o.get("key").asText());
        assertEquals(32, o.get("offset").asLong());
        assertEquals(32, o.get("byte_size").asLong());
        assertEquals("input_data", LiveServer.JSON.readTree(get("/v2/systemsharedmemory/region/input_data/status")
                .body()).get(0).get("name").asText());

        assertEquals(200, live.post("/v2/systemsharedmemory/region/input_data/unregister", "").statusCode());
        assertEquals(1, LiveServer.JSON.readTree(get("/v2/systemsharedmemory/status").body()).size());
        assertEquals(200, live.post("/v2/systemsharedmemory/unregister", "").statusCode());
        assertEquals("[]", get("/v2/systemsharedmemory/status").body());
    }

    private static String restInput(String name, String region, int offset) {
        return "{\"name\":\"" + name + "\",\"datatype\":\"FP32\",\"shape\":[1,4],\"parameters\":{"
                + "\"shared_memory_region\":\"" + region + "\",\"shared_memory_offset\":" + offset
                + ",\"shared_memory_byte_size\":16}}";
    }

    private static String restOutput(String name, String region, int offset) {
        return "{\"name\":\"" + name + "\",\"parameters\":{\"shared_memory_region\":\"" + region
                + "\",\"shared_memory_offset\":" + offset + ",\"shared_memory_byte_size\":16}}";
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return live.http.send(live.request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- registration errors

    @Test
    void aDuplicateNameIsAlreadyExists() throws Exception {
        ShmObject o = object(64);
        register("dup", o, 0, 64);
        Status s = grpcError(() -> register("dup", o, 0, 16));
        assertEquals(Status.Code.ALREADY_EXISTS, s.getCode());
        assertEquals("shared memory region 'dup' already in manager", s.getDescription());
        HttpResponse<String> r = live.post("/v2/systemsharedmemory/region/dup/register",
                "{\"key\":\"" + o.key + "\",\"byte_size\":16}");
        assertEquals(400, r.statusCode());
        assertEquals("shared memory region 'dup' already in manager", LiveServer.error(r));
    }

    @Test
    void aMissingObjectCannotBeOpened() throws Exception {
        Status s = grpcError(() -> live.stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest
                .newBuilder().setName("r").setKey("/tensorline-test-absent").setByteSize(16).build()));
        assertEquals(Status.Code.INTERNAL, s.getCode());
        assertTrue(s.getDescription().startsWith("Unable to open shared memory region: '/tensorline-test-absent'"),
                s.getDescription());
        HttpResponse<String> r = live.post("/v2/systemsharedmemory/region/r/register",
                "{\"key\":\"/tensorline-test-absent\",\"byte_size\":16}");
        assertEquals(500, r.statusCode());
        assertTrue(LiveServer.error(r).startsWith("Unable to open shared memory region: '/tensorline-test-absent'"));
    }

    @Test
    void aRegionBeyondTheObjectIsInvalid() throws Exception {
        ShmObject o = object(64);
        for (long[] offsetSize : new long[][] {{0, 65}, {60, 8}, {-1, 16}, {8, Long.MAX_VALUE}}) {
            Status s = grpcError(() -> register("big", o, offsetSize[0], offsetSize[1]));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().startsWith("failed to register shared memory region 'big': invalid args"),
                    s.getDescription());
        }
        HttpResponse<String> r = live.post("/v2/systemsharedmemory/region/big/register",
                "{\"key\":\"" + o.key + "\",\"offset\":32,\"byte_size\":64}");
        assertEquals(400, r.statusCode());
        assertTrue(LiveServer.error(r).startsWith("failed to register shared memory region 'big': invalid args"));
        assertEquals(0, live.stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance())
                .getRegionsCount());
    }

    @Test
    void badKeysAreRefused() throws Exception {
        Status s = grpcError(() -> live.stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest
                .newBuilder().setName("k").setKey("///").setByteSize(16).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("cannot register shared memory region 'k' - invalid shm key '///'", s.getDescription());
        s = grpcError(() -> live.stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder()
                .setName("k").setKey("/triton_python_backend_shm_region_1").setByteSize(16).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("cannot register shared memory region 'k' with key "
                + "'/triton_python_backend_shm_region_1' as the key contains the reserved prefix"), s.getDescription());
        // a key must not reach outside /dev/shm
        s = grpcError(() -> live.stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder()
                .setName("k").setKey("/../etc/passwd").setByteSize(16).build()));
        assertEquals(Status.Code.INTERNAL, s.getCode());
        assertTrue(s.getDescription().startsWith("Unable to open shared memory region: '/../etc/passwd'"));
    }

    @Test
    void restRegisterNeedsItsFields() throws Exception {
        assertEquals("Shared memory register request has no 'key' field", LiveServer.error(
                live.post("/v2/systemsharedmemory/region/r/register", "{\"byte_size\":16}")));
        assertEquals("Shared memory register request has no 'byte_size' field", LiveServer.error(
                live.post("/v2/systemsharedmemory/region/r/register", "{\"key\":\"/x\"}")));
        HttpResponse<String> r = live.post("/v2/systemsharedmemory/register", "{\"key\":\"/x\",\"byte_size\":16}");
        assertEquals(400, r.statusCode());
        assertEquals("'region name' is necessary to register system shared memory region", LiveServer.error(r));
        assertEquals(405, live.http.send(live.request("/v2/systemsharedmemory/region/r/register").GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void statusOfAnUnknownRegionIsNotFoundAndUnregisteringItSucceeds() throws Exception {
        Status s = grpcError(() -> live.stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.newBuilder()
                .setName("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, s.getCode());
        assertEquals("Unable to find system shared memory region: 'nope'", s.getDescription());
        HttpResponse<String> r = get("/v2/systemsharedmemory/region/nope/status");
        assertEquals(404, r.statusCode());
        assertEquals("Unable to find system shared memory region: 'nope'", LiveServer.error(r));
        live.stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.newBuilder().setName("nope")
                .build());
        assertEquals(200, live.post("/v2/systemsharedmemory/region/nope/unregister", "").statusCode());
    }

    // ---- inference errors

    @Test
    void anUnknownRegionIsNotFound() throws Exception {
        Status s = grpcError(() -> live.stub.modelInfer(addSub().addInputs(shmInput("INPUT0", "ghost", 0, 16))
                .addInputs(shmInput("INPUT1", "ghost", 16, 16)).build()));
        assertEquals(Status.Code.NOT_FOUND, s.getCode());
        assertEquals("Unable to find shared memory region: 'ghost'", s.getDescription());
        HttpResponse<String> r = live.post("/v2/models/add_sub/versions/1/infer", "{\"inputs\":["
                + restInput("INPUT0", "ghost", 0) + "," + restInput("INPUT1", "ghost", 16) + "]}");
        assertEquals(404, r.statusCode());
        assertEquals("Unable to find shared memory region: 'ghost'", LiveServer.error(r));
    }

    private static void assertInputRefused(long offset, long size, Status.Code code, String text) {
        Status s = grpcError(() -> live.stub.modelInfer(addSub().addInputs(shmInput("INPUT0", "input_data", offset,
                size)).addInputs(shmInput("INPUT1", "input_data", 16, 16)).build()));
        assertEquals(code, s.getCode(), s.toString());
        assertTrue(s.getDescription().startsWith(text), s.getDescription());
    }

    @Test
    void offsetsAndSizesAreCheckedAgainstTheRegion() throws Exception {
        exampleRegions();
        assertInputRefused(32, 16, Status.Code.INVALID_ARGUMENT,
                "Invalid offset for shared memory region: 'input_data'");
        assertInputRefused(-1, 16, Status.Code.INVALID_ARGUMENT,
                "Invalid offset for shared memory region: 'input_data'");
        assertInputRefused(24, 16, Status.Code.INVALID_ARGUMENT,
                "Invalid offset + byte size for shared memory region: 'input_data'");
        assertInputRefused(8, Long.MAX_VALUE, Status.Code.INVALID_ARGUMENT, "Integer overflow detected");
        assertInputRefused(0, 12, Status.Code.INVALID_ARGUMENT,
                "[request id: <id_unknown>] input byte size mismatch for input 'INPUT0' for model 'add_sub'. "
                        + "Expected 16, got 12");
        HttpResponse<String> r = live.post("/v2/models/add_sub/versions/1/infer", "{\"inputs\":["
                + restInput("INPUT0", "input_data", 24) + "," + restInput("INPUT1", "input_data", 16) + "]}");
        assertEquals(400, r.statusCode());
        assertEquals("Invalid offset + byte size for shared memory region: 'input_data'",
                LiveServer.error(r).substring(0, "Invalid offset + byte size for shared memory region: 'input_data'"
                        .length()));
        assertEquals(2, live.server.sharedMemory().mappedRegions(), "refused requests give their holds back");
    }

    @Test
    void anOutputRegionTooSmallIsInternal() throws Exception {
        exampleRegions();
        String text = "shared memory size specified with the request for output 'OUTPUT0' (8 bytes) should be at "
                + "least 16 bytes to hold the results";
        Status s = grpcError(() -> live.stub.modelInfer(addSub().addInputs(shmInput("INPUT0", "input_data", 0, 16))
                .addInputs(shmInput("INPUT1", "input_data", 16, 16))
                .addOutputs(shmOutput("OUTPUT0", "output_data", 0, 8)).build()));
        assertEquals(Status.Code.INTERNAL, s.getCode());
        assertEquals(text, s.getDescription());
        HttpResponse<String> r = live.post("/v2/models/add_sub/versions/1/infer", "{\"inputs\":["
                + restInput("INPUT0", "input_data", 0) + "," + restInput("INPUT1", "input_data", 16) + "],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"shared_memory_region\":\"output_data\","
                + "\"shared_memory_byte_size\":8}}]}");
        assertEquals(500, r.statusCode());
        assertEquals(text, LiveServer.error(r));
    }

    @Test
    void restRefusesDataAndBinaryTogetherWithARegion() throws Exception {
        exampleRegions();
        HttpResponse<String> r = live.post("/v2/models/add_sub/versions/1/infer", "{\"inputs\":[{\"name\":"
                + "\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4],\"parameters\":{"
                + "\"shared_memory_region\":\"input_data\",\"shared_memory_byte_size\":16}},"
                + restInput("INPUT1", "input_data", 16) + "]}");
        assertEquals(400, r.statusCode());
        assertTrue(LiveServer.error(r).startsWith("Input must set only one of the following fields: 'data', "
                + "'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But set 'data' "
                + "'shared_memory_region'"), r.body());
        r = live.post("/v2/models/add_sub/versions/1/infer", "{\"inputs\":[" + restInput("INPUT0", "input_data", 0)
                + "," + restInput("INPUT1", "input_data", 16) + "],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":"
                + "{\"shared_memory_region\":\"output_data\",\"shared_memory_byte_size\":16,\"binary_data\":true}}]}");
        assertEquals(400, r.statusCode());
        assertEquals("Output can't set both 'shared_memory_region' and 'binary_data'", LiveServer.error(r));
    }

    @Test
    void grpcRefusesContentsWithARegion() throws Exception {
        exampleRegions();
        Status s = grpcError(() -> live.stub.modelInfer(addSub().addInputs(shmInput("INPUT0", "input_data", 0, 16)
                .setContents(io.tensorline.proto.InferTensorContents.newBuilder().addFp32Contents(1)
                        .addFp32Contents(2).addFp32Contents(3).addFp32Contents(4)))
                .addInputs(shmInput("INPUT1", "input_data", 16, 16)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("unexpected 'content' provided when using shared memory for input tensor 'INPUT0' for model "
                + "'add_sub'", s.getDescription());
    }

    @Test
    void grpcParameterTypesAreChecked() throws Exception {
        exampleRegions();
        Status s = grpcError(() -> live.stub.modelInfer(addSub().addInputs(LiveServer.input("INPUT0", "FP32", 1, 4)
                .putParameters("shared_memory_region", int64(1)).putParameters("shared_memory_byte_size", int64(16)))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("invalid value type for 'shared_memory_region' parameter for tensor 'INPUT0', expected "
                + "string_param.", s.getDescription());
        s = grpcError(() -> live.stub.modelInfer(addSub().addInputs(LiveServer.input("INPUT0", "FP32", 1, 4)
                .putParameters("shared_memory_region", str("input_data"))
                .putParameters("shared_memory_byte_size", str("16"))).build()));
        assertEquals("invalid value type for 'shared_memory_byte_size' parameter for tensor 'INPUT0', expected "
                + "int64_param.", s.getDescription());
    }

    @Test
    void unknownTritonKeysAreStillRefused() throws Exception {
        exampleRegions();
        Status s = grpcError(() -> live.stub.modelInfer(exampleRequest().toBuilder()
                .putParameters("triton_shm_magic", str("x")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("parameter key 'triton_shm_magic' is reserved for Triton usage"));
    }

    // ---- CUDA, metadata

    @Test
    void cudaSharedMemoryAnswersGpusNotSupported() throws Exception {
        String text = "failed to register CUDA shared memory region: 'c', GPUs not supported";
        Status s = grpcError(() -> live.stub.cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest.newBuilder()
                .setName("c").setByteSize(64).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals(text, s.getDescription());
        HttpResponse<String> r = live.post("/v2/cudasharedmemory/region/c/register",
                "{\"raw_handle\":{\"b64\":\"AAAA\"},\"device_id\":0,\"byte_size\":64}");
        assertEquals(400, r.statusCode());
        assertEquals(text, LiveServer.error(r));
        assertEquals(0, live.stub.cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest.getDefaultInstance())
                .getRegionsCount());
        live.stub.cudaSharedMemoryUnregister(CudaSharedMemoryUnregisterRequest.getDefaultInstance());
        assertEquals("[]", get("/v2/cudasharedmemory/status").body());
        assertEquals(200, live.post("/v2/cudasharedmemory/unregister", "").statusCode());
    }

    @Test
    void serverMetadataListsSystemSharedMemoryOnly() throws Exception {
        List<String> grpc = live.stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList();
        assertTrue(grpc.contains("system_shared_memory"), grpc.toString());
        assertFalse(grpc.contains("cuda_shared_memory"), grpc.toString());
        assertEquals(grpc.indexOf("model_configuration") + 1, grpc.indexOf("system_shared_memory"), "Triton's order");
        JsonNode rest = LiveServer.JSON.readTree(get("/v2").body()).get("extensions");
        assertTrue(rest.toString().contains("\"system_shared_memory\""), rest.toString());
    }

    @Test
    void theServerStillServesAfterRefusals() throws Exception {
        assertInputRefusedWithoutRegions();
        ShmObject[] regions = exampleRegions();
        live.stub.modelInfer(exampleRequest());
        assertArrayEquals(SUM, regions[1].floats(0, 4));
    }

    private static void assertInputRefusedWithoutRegions() {
        assertEquals(Status.Code.NOT_FOUND, grpcError(() -> live.stub.modelInfer(exampleRequest())).getCode());
    }

    @Test
    void registerAndUnregisterThroughHttpArePostOnly() throws Exception {
        assertEquals(405, live.http.send(live.request("/v2/systemsharedmemory/status")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(405, get("/v2/systemsharedmemory/unregister").statusCode());
    }
}
