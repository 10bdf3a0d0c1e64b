package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One bad request does not fail its batch: the ONNX model {@code gather_lookup} (a Gather over an 8-entry table)
 * fails a whole execution when one index is out of range. Eight requests arrive together and run as one batch
 * (preferred size 8 and a long delay make sure of it); only the bad one gets ONNX Runtime's error.
 */
class BadRequestIsolationTest {

    private static final Path REPOSITORY = Path.of("src/test/resources/faulty-repository");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static TensorlineServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = TensorlineServer.start(TestServers.withMetrics(REPOSITORY));
        channel = TestServers.channel(server);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static ModelInferRequest lookup(long index) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, index);
        return ModelInferRequest.newBuilder().setModelName("gather_lookup").setId(Long.toString(index))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("INT64")
                        .addShape(1).addShape(1))
                .addRawInputContents(ByteString.copyFrom(b)).build();
    }

    @Test
    void onlyTheRequestWithAnOutOfRangeIndexFailsAndTheRetryIsCounted() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async = GRPCInferenceServiceGrpc.newFutureStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        long[] indices = {0, 1, 2, 99, 3, 4, 5, 6};
        List<ListenableFuture<ModelInferResponse>> replies = new ArrayList<>();
        for (long index : indices) {
            replies.add(async.modelInfer(lookup(index)));
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] == 99) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> replies.get(3).get(60, TimeUnit.SECONDS));
                Status status = assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus();
                assertEquals(Status.Code.INTERNAL, status.getCode());
                assertTrue(status.getDescription().contains("out of data bounds"), status.getDescription());
            } else {
                ModelInferResponse r = replies.get(i).get(60, TimeUnit.SECONDS);
                assertArrayEquals(new float[] {indices[i] * 10 + 0.5f}, toFloats(r.getRawOutputContents(0)));
            }
        }

        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = metrics.body();
        String labels = "{model=\"gather_lookup\",version=\"1\"}";
        assertTrue(body.contains("tensorline_inference_batch_retry_count" + labels + " 1.0"), body);
        assertTrue(body.contains("tensorline_inference_batch_retry_exec_count" + labels + " 6.0"), body);
        assertTrue(body.contains("tensorline_inference_batch_retry_rescued" + labels + " 7.0"), body);
        assertTrue(body.contains("tensorline_inference_batch_retry_isolated" + labels + " 1.0"), body);
        assertTrue(body.contains("nv_inference_request_failure{model=\"gather_lookup\",reason=\"BACKEND\","
                + "version=\"1\"} 1.0"), body);
    }
}
