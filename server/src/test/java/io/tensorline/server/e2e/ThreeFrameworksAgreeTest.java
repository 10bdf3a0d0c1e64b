package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled repository as {@code ./tensorline serve} loads it: every model ready, and the same MLP exported to
 * ONNX, TorchScript and a SavedModel answering within 1e-5 of each other over gRPC and REST.
 */
class ThreeFrameworksAgreeTest {

    private static final float[] ROWS = {0.1f, -0.2f, 0.3f, 0.4f, 1.5f, 2.5f, -3.5f, 0.0f, -1f, 0.25f, 0.75f, 2f};
    /** model -> {input, output} names. */
    private static final Map<String, String[]> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put("mlp", new String[] {"INPUT0", "OUTPUT0"});
        MODELS.put("mlp_torchscript", new String[] {"INPUT__0", "OUTPUT__0"});
        MODELS.put("mlp_savedmodel", new String[] {"INPUT0", "OUTPUT0"});
    }

    private static TensorlineServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(Path.of("../model-repository"));
        channel = TestServers.channel(server);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    @Test
    void everyBundledModelIsReady() {
        RepositoryIndexResponse index = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertTrue(index.getModelsCount() >= 5, index.toString());
        assertTrue(index.getModelsList().stream().allMatch(m -> m.getState().equals("READY")), index.toString());
    }

    @Test
    void onnxTorchScriptAndSavedModelAgreeOverGrpcAndRest() throws Exception {
        float[] reference = null;
        for (Map.Entry<String, String[]> m : MODELS.entrySet()) {
            float[] grpc = grpc(m.getKey(), m.getValue()[0]);
            float[] rest = rest(m.getKey(), m.getValue()[0]);
            assertEquals(9, grpc.length, m.getKey());
            if (reference == null) {
                reference = grpc;
            }
            for (int i = 0; i < reference.length; i++) {
                assertEquals(reference[i], grpc[i], 1e-5, m.getKey() + " over gRPC, element " + i);
                assertEquals(reference[i], rest[i], 1e-5, m.getKey() + " over REST, element " + i);
            }
        }
    }

    private static float[] grpc(String model, String input) {
        return toFloats(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                                .addShape(3).addShape(4))
                        .addRawInputContents(floats(ROWS)).build())
                .getRawOutputContents(0));
    }

    private static float[] rest(String model, String input) throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < ROWS.length; i++) {
            data.append(i == 0 ? "" : ",").append(ROWS[i]);
        }
        String body = "{\"inputs\":[{\"name\":\"" + input + "\",\"datatype\":\"FP32\",\"shape\":[3,4],\"data\":["
                + data + "]}]}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/" + model + "/infer"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = new ObjectMapper().readTree(r.body()).get("outputs").get(0).get("data");
        float[] values = new float[out.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) out.get(i).asDouble();
        }
        return values;
    }
}
