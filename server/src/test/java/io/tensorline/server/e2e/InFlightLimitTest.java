package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.cli.Flags;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --max-inflight-requests} bounds the accepted requests of both transports together. */
class InFlightLimitTest {

    @TempDir
    Path repo;

    @Test
    void requestsBeyondTheLimitAreRefusedAtOnceOnBothTransports() throws Exception {
        SimulatedModels.write(repo, "slow", 4, 3_000_000);
        Flags f = NetworkOptions.declare(ServeOptions.flags(repo));
        f.parse(new String[] {"--max-inflight-requests=1", "--exit-timeout-secs=0"});
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 1 << 20),
                NetworkOptions.from(f))) {
            ManagedChannel channel = TestServers.channel(server);
            try {
                ListenableFuture<ModelInferResponse> first = GRPCInferenceServiceGrpc.newFutureStub(channel)
                        .modelInfer(SimulatedModels.request("slow", 4, 0));
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.core().inFlight().count() < 1) {
                    assertTrue(System.nanoTime() < until, "the first request did not arrive");
                    Thread.sleep(5);
                }
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
                        .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .modelInfer(SimulatedModels.request("slow", 4, 1)));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
                assertEquals("Exceeds maximum in-flight requests (1)", e.getStatus().getDescription());
                HttpResponse<String> rest = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                                + "/v2/models/slow/infer")).POST(HttpRequest.BodyPublishers.ofString(
                                SimulatedModels.json(4, 1))).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(503, rest.statusCode());
                assertEquals("{\"error\":\"Exceeds maximum in-flight requests (1)\"}", rest.body());
                first.cancel(true);
            } finally {
                TestServers.close(channel);
            }
        }
    }
}
