package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tensorline.engine.DataType;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.grpc.GrpcFrontend;
import io.tensorline.server.http.HttpFrontend;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelRegistry;
import io.tensorline.server.repository.ModelVersion;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.stats.ModelStatsSnapshot;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.FakeModels;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queue time runs from the transport's arrival stamp, so decoding, validating and looking up the model count in it.
 * The clock is a fake that moves only when the request path looks the model up (between the stamp and the
 * scheduler): a scheduler that stamped on its own would record no queue time at all.
 */
class ArrivalStampTest {

    private static final long LOOKUP_NANOS = TimeUnit.MILLISECONDS.toNanos(7);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final NanoClock clock = now::get;
    private final ModelStatsRegistry stats = new ModelStatsRegistry();
    private FakeModelRegistry models;
    private InferenceServer server;

    @BeforeEach
    void serve() {
        ModelVersion shape = TestModelVersions.identity("identity_fp32", 1, DataType.FP32, 8, -1);
        shape.scheduler().shutdown();
        DefaultSchedulerFactory schedulers = new DefaultSchedulerFactory(stats, clock, 64);
        models = new FakeModelRegistry().add(TestModelVersions.identityOn(schedulers.create(shape.spec(), 1,
                List.of(FakeModels.identity(DataType.FP32, new long[] {-1, -1}))), "identity_fp32", DataType.FP32, 8,
                -1));
        server = new InferenceServer(new SlowLookups(models, now), new ServerInfo("triton", "test", List.of()), stats)
                .withClock(clock);
    }

    @AfterEach
    void close() {
        models.close();
    }

    @Test
    void grpcQueueTimeStartsBeforeDecode() throws Exception {
        GrpcFrontend grpc = new GrpcFrontend(server, 1 << 20).start("127.0.0.1", 0);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        try {
            GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .modelInfer(request());
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            grpc.close();
        }
        ModelStatsSnapshot s = snapshot();
        assertEquals(1, s.queue().count());
        assertEquals(LOOKUP_NANOS, s.queue().nanos());
        assertEquals(LOOKUP_NANOS, s.success().nanos());
    }

    @Test
    void everyStreamMessageIsStampedWhenItArrives() throws Exception {
        GrpcFrontend grpc = new GrpcFrontend(server, 1 << 20).start("127.0.0.1", 0);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        try {
            CountDownLatch answered = new CountDownLatch(3);
            StreamObserver<ModelInferRequest> stream = GRPCInferenceServiceGrpc.newStub(channel)
                    .modelStreamInfer(new StreamObserver<>() {
                        @Override
                        public void onNext(ModelStreamInferResponse r) {
                            answered.countDown();
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            for (int i = 0; i < 3; i++) {
                stream.onNext(request());
            }
            stream.onCompleted();
            assertTrue(answered.await(30, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            grpc.close();
        }
        ModelStatsSnapshot s = snapshot();
        assertEquals(3, s.queue().count());
        // each message waits at least its own lookup; one framed before an earlier one was handled waits longer
        assertTrue(s.queue().nanos() >= 3 * LOOKUP_NANOS, "queue ns " + s.queue().nanos());
    }

    @Test
    void restQueueTimeStartsBeforeDecode() throws Exception {
        try (HttpFrontend http = new HttpFrontend(server, HttpFrontend.Options.defaults().withWorkerThreads(1))) {
            http.start("127.0.0.1", 0);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + http.port() + "/v2/models/identity_fp32/infer"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":"
                            + "\"FP32\",\"shape\":[1,2],\"data\":[1.5,2.5]}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
        ModelStatsSnapshot s = snapshot();
        assertEquals(1, s.queue().count());
        assertEquals(LOOKUP_NANOS, s.queue().nanos());
        assertEquals(LOOKUP_NANOS, s.success().nanos());
    }

    private ModelStatsSnapshot snapshot() {
        return stats.snapshots("identity_fp32").get(0);
    }

    private static ModelInferRequest request() {
        return ModelInferRequest.newBuilder().setModelName("identity_fp32")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("FP32")
                        .addShape(1).addShape(2)
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1.5f).addFp32Contents(2.5f)))
                .build();
    }

    /** The registry the request path looks models up in; each lookup moves the fake clock on by 7 ms. */
    private record SlowLookups(ModelRegistry models, AtomicLong now) implements ModelRegistry {
        @Override
        public ModelVersion resolve(String name, String version) {
            now.addAndGet(LOOKUP_NANOS);
            return models.resolve(name, version);
        }

        @Override
        public boolean isReady(String name, String version) {
            return models.isReady(name, version);
        }

        @Override
        public boolean contains(String name) {
            return models.contains(name);
        }

        @Override
        public List<Long> readyVersions(String name) {
            return models.readyVersions(name);
        }

        @Override
        public List<ModelIndexEntry> index() {
            return models.index();
        }

        @Override
        public boolean allReady() {
            return models.allReady();
        }

        @Override
        public void close() {
            models.close();
        }
    }
}
