package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Graceful drain on {@code close()} (what SIGTERM runs): a slow simulated model with gRPC unary calls, a gRPC
 * stream and REST requests in flight; every one gets a status, never a bare reset.
 */
class GracefulDrainTest {

    private static final int WIDTH = 4;
    private static final int GRPC = 3;
    private static final int REST = 3;

    @TempDir
    Path repo;

    /** What the clients saw, once the server is gone. */
    private record Outcomes(List<Object> grpc, List<HttpResponse<String>> rest, List<Object> stream) {
    }

    private Outcomes runAndClose(NetworkOptions network, long delayUs, boolean allInFlight) throws Exception {
        SimulatedModels.write(repo, "slow", WIDTH, delayUs);
        SimulatedModels.write(repo, "echo", WIDTH, 0);
        TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 1 << 20), network);
        ManagedChannel channel = TestServers.channel(server);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub = GRPCInferenceServiceGrpc
                    .newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            // warm both clients up (connections, class loading) on a fast model, so the slow requests go out together
            stub.modelInfer(SimulatedModels.request("echo", WIDTH, 0)).get(60, TimeUnit.SECONDS);
            // (a client of its own: the slow requests each open a connection, none reuses a pooled one)
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                    + "/v2/models/echo/infer")).POST(HttpRequest.BodyPublishers.ofString(SimulatedModels.json(WIDTH, 0)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.core().inFlight().count() > 0) { // a reply can reach the client before its slot is freed
                assertTrue(System.nanoTime() < settle, "the warm-up requests stay in flight");
                Thread.sleep(1);
            }
            List<ListenableFuture<ModelInferResponse>> unary = new ArrayList<>();
            for (int i = 0; i < GRPC; i++) {
                unary.add(stub.modelInfer(SimulatedModels.request("slow", WIDTH, i * 10)));
            }
            List<CompletableFuture<HttpResponse<String>>> rest = new ArrayList<>();
            for (int i = 0; i < REST; i++) {
                rest.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                                + "/v2/models/slow/infer")).timeout(java.time.Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(SimulatedModels.json(WIDTH, 100 + i))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            LinkedBlockingQueue<Object> stream = new LinkedBlockingQueue<>();
            StreamObserver<io.tensorline.proto.ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS).modelStreamInfer(SimulatedModels.into(stream));
            requests.onNext(SimulatedModels.request("slow", WIDTH, 500));
            // the stream stays open (no half-close), as a long-lived client's would
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // every request has reached the server (it is in flight, or, where the test allows it, answered)
            while (server.core().inFlight().count() + (allInFlight ? 0 : answered(unary, rest, stream))
                    < GRPC + REST + 1) {
                if (System.nanoTime() > until) {
                    fail("requests did not all arrive: " + server.core().inFlight().count());
                }
                Thread.sleep(5);
            }
            assertTrue(server.core().inFlight().count() > 0, "the model answered everything before the close");
            server.close();
            List<Object> grpcOutcomes = new ArrayList<>();
            for (ListenableFuture<ModelInferResponse> f : unary) {
                try {
                    grpcOutcomes.add(f.get(60, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    grpcOutcomes.add(Status.fromThrowable(e.getCause()));
                }
            }
            List<HttpResponse<String>> restOutcomes = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : rest) {
                restOutcomes.add(f.get(60, TimeUnit.SECONDS));
            }
            List<Object> streamOutcomes = new ArrayList<>();
            Object o;
            do {
                o = stream.poll(60, TimeUnit.SECONDS);
                streamOutcomes.add(o);
            } while (o instanceof ModelStreamInferResponse);
            return new Outcomes(grpcOutcomes, restOutcomes, streamOutcomes);
        } finally {
            server.close();
            TestServers.close(channel);
        }
    }

    private static long answered(List<? extends java.util.concurrent.Future<?>> unary,
                                 List<? extends java.util.concurrent.Future<?>> rest, LinkedBlockingQueue<Object> stream) {
        return unary.stream().filter(java.util.concurrent.Future::isDone).count()
                + rest.stream().filter(java.util.concurrent.Future::isDone).count() + (stream.isEmpty() ? 0 : 1);
    }

    @Test
    void everyRequestInFlightIsAnsweredBeforeTheServerStops() throws Exception {
        Outcomes o = runAndClose(NetworkOptions.defaults(), 400_000, true);
        for (int i = 0; i < GRPC; i++) {
            ModelInferResponse r = assertInstanceOf(ModelInferResponse.class, o.grpc().get(i), "gRPC call " + i);
            assertEquals(i * 10f, Tensors.toFloats(r.getRawOutputContents(0))[0]);
        }
        for (int i = 0; i < REST; i++) {
            assertEquals(200, o.rest().get(i).statusCode(), o.rest().get(i).body());
            assertTrue(o.rest().get(i).body().contains("[" + (100f + i) + ","), o.rest().get(i).body());
        }
        ModelStreamInferResponse answered = assertInstanceOf(ModelStreamInferResponse.class, o.stream().get(0));
        assertEquals("", answered.getErrorMessage());
        assertEquals(500f, Tensors.toFloats(answered.getInferResponse().getRawOutputContents(0))[0]);
        // the open stream is then finished with a status
        StatusRuntimeException end = assertInstanceOf(StatusRuntimeException.class, o.stream().get(1));
        assertEquals(Status.Code.UNAVAILABLE, end.getStatus().getCode());
    }

    @Test
    void whenTheExitTimeoutRunsOutTheRestAreAnsweredUnavailable() throws Exception {
        // a zero exit timeout: the drain gives up at once, while the model still sleeps on a request; a request the
        // model finished before the close was answered normally
        Outcomes o = runAndClose(NetworkOptions.defaults().withExitTimeoutSecs(0), 1_000_000, false);
        int unavailable = 0;
        for (Object g : o.grpc()) {
            if (g instanceof Status s) {
                assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
                assertTrue(s.getDescription().contains("Exit timeout expired"), s.toString());
                unavailable++;
            } else {
                assertInstanceOf(ModelInferResponse.class, g);
            }
        }
        for (HttpResponse<String> r : o.rest()) {
            if (r.statusCode() != 200) {
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.body().contains("Exit timeout expired"), r.body());
                unavailable++;
            }
        }
        ModelStreamInferResponse first = assertInstanceOf(ModelStreamInferResponse.class, o.stream().get(0));
        if (!first.getErrorMessage().isEmpty()) {
            assertTrue(first.getErrorMessage().contains("Exit timeout expired"), first.toString());
            unavailable++;
        }
        StatusRuntimeException end = assertInstanceOf(StatusRuntimeException.class, o.stream().get(1));
        assertEquals(Status.Code.UNAVAILABLE, end.getStatus().getCode());
        // one request at a time runs for a second: most were still waiting when the time ran out
        assertTrue(unavailable >= 1, "none was failed by the exit timeout");
    }
}
