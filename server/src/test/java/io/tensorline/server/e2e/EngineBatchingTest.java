package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every engine with two instances and dynamic batching: 64 concurrent requests of 1 to 3 rows, each answer
 * matching its own request.
 */
class EngineBatchingTest {

    private static final String SCHEDULING = """
            instance_group [{ count: 2 kind: KIND_CPU }]
            dynamic_batching { max_queue_delay_microseconds: 200 }
            """;

    private static Path repo;
    private static TensorlineServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        repo = Files.createTempDirectory("engine-batching");
        Path resources = Path.of("src/test/resources");
        TestServers.copyModel(resources.resolve("test-repository"), "add_sub", repo, "onnx_ab");
        Files.writeString(repo.resolve("onnx_ab/config.pbtxt"), """
                name: "onnx_ab"
                platform: "onnxruntime_onnx"
                max_batch_size: 8
                version_policy { specific { versions: [1] } }
                """ + SCHEDULING);
        TestServers.copyModel(resources.resolve("pytorch-repository"), "add_sub_pt", repo, "torch_ab");
        Path torchConfig = repo.resolve("torch_ab/config.pbtxt");
        Files.writeString(torchConfig, Files.readString(torchConfig).replace("name: \"add_sub_pt\"", "name: \"torch_ab\"")
                + SCHEDULING);
        TestServers.copyModel(resources.resolve("tensorflow-repository"), "add_sub", repo, "tf_ab");
        Files.writeString(repo.resolve("tf_ab/config.pbtxt"), """
                name: "tf_ab"
                platform: "tensorflow_savedmodel"
                max_batch_size: 8
                """ + SCHEDULING);
        server = TestServers.start(repo);
        channel = TestServers.channel(server);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"onnx_ab, INPUT0, INPUT1", "torch_ab, INPUT__0, INPUT__1", "tf_ab, INPUT0, INPUT1"})
    void twoInstancesWithBatchingAnswerEveryRequestWithItsOwnRows(String model, String in0, String in1)
            throws Exception {
        ModelConfig config = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .modelConfig(ModelConfigRequest.newBuilder().setName(model).build()).getConfig();
        assertEquals(2, config.getInstanceGroup(0).getCount());
        assertTrue(config.hasDynamicBatching());

        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async = GRPCInferenceServiceGrpc.newFutureStub(channel);
        List<ListenableFuture<ModelInferResponse>> replies = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int rows = 1 + i % 3;
            float[] a = new float[rows * 4];
            float[] b = new float[rows * 4];
            for (int k = 0; k < a.length; k++) {
                a[k] = i;
                b[k] = k * 0.5f;
            }
            replies.add(async.modelInfer(ModelInferRequest.newBuilder().setModelName(model).setId(Integer.toString(i))
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(in0).setDatatype("FP32")
                            .addShape(rows).addShape(4))
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(in1).setDatatype("FP32")
                            .addShape(rows).addShape(4))
                    .addRawInputContents(floats(a)).addRawInputContents(floats(b)).build()));
        }
        for (int i = 0; i < 64; i++) {
            int rows = 1 + i % 3;
            ModelInferResponse r = replies.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(Integer.toString(i), r.getId());
            assertEquals(List.of((long) rows, 4L), r.getOutputs(0).getShapeList(), model);
            float[] sum = null;
            float[] diff = null;
            for (int o = 0; o < r.getOutputsCount(); o++) {
                String name = r.getOutputs(o).getName();
                if (name.endsWith("0")) {
                    sum = toFloats(r.getRawOutputContents(o));
                } else {
                    diff = toFloats(r.getRawOutputContents(o));
                }
            }
            for (int k = 0; k < rows * 4; k++) {
                assertEquals(i + k * 0.5f, sum[k], 1e-5, model + " request " + i);
                assertEquals(i - k * 0.5f, diff[k], 1e-5, model + " request " + i);
            }
        }
    }
}
