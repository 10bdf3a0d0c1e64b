package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.SystemSharedMemoryRegisterRequest;
import io.tensorline.proto.SystemSharedMemoryStatusRequest;
import io.tensorline.proto.SystemSharedMemoryUnregisterRequest;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.shm.SharedMemoryRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regions in use by requests in flight: unregistering takes the name away at once, the request still reads its
 * input and writes its output, and the mapping is dropped only once it is done; a shutdown drops every mapping.
 * The model is the simulated backend (OUTPUT0 = INPUT0) with a long execution, so that a request stays in flight
 * while the test unregisters; nothing depends on how long it takes.
 */
class SharedMemoryInFlightTest {

    private static final float[] VALUES = new float[16];

    static {
        for (int i = 0; i < VALUES.length; i++) {
            VALUES[i] = i * 1.5f;
        }
    }

    private static TensorlineServer start(Path repo, long delayMicros) throws Exception {
        Path model = repo.resolve("slow");
        Files.createDirectories(model.resolve("1"));
        Files.writeString(model.resolve("1/model.simulated"), "");
        Files.writeString(model.resolve("config.pbtxt"), """
                name: "slow"
                backend: "simulated"
                max_batch_size: 8
                input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 16 ] } ]
                output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 16 ] } ]
                instance_group [ { count: 1 kind: KIND_CPU } ]
                parameters [ { key: "execute_delay_us" value: { string_value: "%d" } } ]
                """.formatted(delayMicros));
        return TensorlineServer.start(TestServers.options(repo, true, 1 << 20).withAllowClientShm(true));
    }

    private static InferParameter str(String s) {
        return InferParameter.newBuilder().setStringParam(s).build();
    }

    private static InferParameter int64(long v) {
        return InferParameter.newBuilder().setInt64Param(v).build();
    }

    private static void register(LiveServer live, String name, ShmObject o) {
        live.stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName(name)
                .setKey(o.key).setByteSize(64).build());
    }

    private static ModelInferRequest request() {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("slow");
        b.addInputs(LiveServer.input("INPUT0", "FP32", 1, 16).putParameters("shared_memory_region", str("in"))
                .putParameters("shared_memory_byte_size", int64(64)));
        b.addOutputsBuilder().setName("OUTPUT0").putParameters("shared_memory_region", str("out"))
                .putParameters("shared_memory_byte_size", int64(64));
        return b.build();
    }

    /** Waits, bounded, for a condition another thread makes true. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aRegionUnregisteredInFlightStaysMappedUntilTheRequestIsDone(@TempDir Path repo) throws Exception {
        try (ShmObject in = ShmObject.create(64).putFloats(0, VALUES); ShmObject out = ShmObject.create(64);
             LiveServer live = LiveServer.wrap(start(repo, 1_000_000))) {
            SharedMemoryRegistry regions = live.server.sharedMemory();
            register(live, "in", in);
            register(live, "out", out);
            ListenableFuture<ModelInferResponse> reply = GRPCInferenceServiceGrpc.newFutureStub(live.channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(request());
            await(() -> live.server.core().inFlight().count() == 1 || reply.isDone(), "the request to be admitted");
            assertTrue(!reply.isDone(), "the request finished before the test could unregister");

            live.stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance());
            assertEquals(0, live.stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance())
                    .getRegionsCount(), "names go at once");
            assertEquals(2, regions.mappedRegions(), "mappings stay while the request holds them");
            register(live, "in", in); // the name is free again; the request keeps the region it took
            assertEquals(3, regions.mappedRegions());
            live.stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.newBuilder().setName("in")
                    .build());

            ModelInferResponse r = reply.get(60, TimeUnit.SECONDS);
            assertEquals(1, r.getRawOutputContentsCount());
            assertTrue(r.getRawOutputContents(0).isEmpty());
            assertArrayEquals(VALUES, out.floats(0, 16), "written to the unregistered output region");
            await(() -> regions.mappedRegions() == 0, "the request to give its regions back");
        }
    }

    @Test
    void shutdownDropsEveryMapping(@TempDir Path repo) throws Exception {
        try (ShmObject in = ShmObject.create(64); ShmObject out = ShmObject.create(64)) {
            TensorlineServer server = start(repo, 0);
            SharedMemoryRegistry regions = server.sharedMemory();
            try (LiveServer live = LiveServer.wrap(server)) {
                register(live, "in", in);
                register(live, "out", out);
                assertEquals(2, regions.mappedRegions());
            }
            assertEquals(0, regions.mappedRegions());
            InferenceException e = assertThrows(InferenceException.class, () -> regions.register("late", in.key, 0,
                    64));
            assertTrue(e.getMessage().contains("shutting down"), e.getMessage());
        }
    }

    @Test
    void withClientShmDisabledRegisterIsRefusedInTritonsWords(@TempDir Path repo) throws Exception {
        try (ShmObject in = ShmObject.create(64);
             LiveServer live = LiveServer.wrap(TensorlineServer.start(TestServers.options(repo, true, 1 << 20)))) {
            Status s = assertThrows(StatusRuntimeException.class, () -> register(live, "in", in)).getStatus();
            assertEquals(Status.Code.UNIMPLEMENTED, s.getCode());
            assertEquals("Client shared memory is disabled. Start the server with '--allow-client-shm=true' to "
                    + "enable.", s.getDescription());
            assertEquals(0, live.server.sharedMemory().mappedRegions());
        }
    }
}
