package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.DataType;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real server with the TensorFlow engine: the example mlp as ONNX ({@code mlp}) and as a SavedModel ({@code
 * mlp_savedmodel}, same weights) side by side, plus a TensorFlow string model, driven over gRPC.
 */
class TensorFlowEndToEndTest {

    private static final Path EXAMPLE_REPOSITORY = Path.of("../model-repository");
    private static final Path TF_REPOSITORY = Path.of("src/test/resources/tensorflow-repository");
    private static final float[] THREE_ROWS = {
        0.5f, -1.25f, 2f, 0f,
        -3f, 0.75f, 1.5f, -0.25f,
        10f, 4f, -7.5f, 0.125f};

    @TempDir
    static Path repository;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        copyModel(EXAMPLE_REPOSITORY, "mlp");
        copyModel(EXAMPLE_REPOSITORY, "mlp_savedmodel");
        copyModel(TF_REPOSITORY, "identity_string");
        server = TestServers.start(repository);
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            TestServers.close(channel);
        }
        if (server != null) {
            server.close();
        }
    }

    private static void copyModel(Path from, String name) throws IOException {
        Path source = from.resolve(name);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = repository.resolve(name).resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static ModelInferResponse inferMlp(String model, long rows, long columns, float... values) {
        return stub.modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("FP32")
                        .addShape(rows).addShape(columns))
                .addRawInputContents(floats(values)).build());
    }

    @Test
    void theSavedModelAgreesWithTheOnnxModelOnABatchOfThree() {
        ModelInferResponse onnx = inferMlp("mlp", 3, 4, THREE_ROWS);
        ModelInferResponse tf = inferMlp("mlp_savedmodel", 3, 4, THREE_ROWS);

        assertEquals("OUTPUT0", tf.getOutputs(0).getName());
        assertEquals("FP32", tf.getOutputs(0).getDatatype());
        assertEquals(List.of(3L, 3L), tf.getOutputs(0).getShapeList());
        float[] expected = toFloats(onnx.getRawOutputContents(0));
        float[] actual = toFloats(tf.getRawOutputContents(0));
        assertEquals(9, expected.length);
        assertArrayEquals(expected, actual, 1e-5f);
    }

    @Test
    void theConfigIsCompletedFromTheSignature() {
        // config.pbtxt gives platform and max_batch_size only; inputs and outputs come from serving_default.
        ModelConfig c = stub.modelConfig(ModelConfigRequest.newBuilder().setName("mlp_savedmodel").build())
                .getConfig();

        assertEquals("tensorflow_savedmodel", c.getPlatform());
        assertEquals("tensorflow", c.getBackend());
        assertEquals(8, c.getMaxBatchSize());
        assertEquals("model.savedmodel", c.getDefaultModelFilename());
        assertEquals(1, c.getInputCount());
        assertEquals("INPUT0", c.getInput(0).getName());
        assertEquals(DataType.TYPE_FP32, c.getInput(0).getDataType());
        assertEquals(List.of(4L), c.getInput(0).getDimsList());
        assertEquals(1, c.getOutputCount());
        assertEquals("OUTPUT0", c.getOutput(0).getName());
        assertEquals(DataType.TYPE_FP32, c.getOutput(0).getDataType());
        assertEquals(List.of(3L), c.getOutput(0).getDimsList());
        assertEquals(ModelInstanceGroup.Kind.KIND_CPU, c.getInstanceGroup(0).getKind());
        assertEquals(2, c.getInstanceGroup(0).getCount());
    }

    @Test
    void aSavedModelWithoutConfigIsDetectedAndBatchesByDefault() {
        ModelConfig c = stub.modelConfig(ModelConfigRequest.newBuilder().setName("identity_string").build())
                .getConfig();

        assertEquals("tensorflow_savedmodel", c.getPlatform());
        assertEquals(4, c.getMaxBatchSize());
        assertEquals(DataType.TYPE_STRING, c.getInput(0).getDataType());
        assertEquals(List.of(-1L), c.getInput(0).getDimsList());
    }

    @Test
    void metadataReportsTheSignaturesShapes() {
        ModelMetadataResponse m = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("mlp_savedmodel")
                .build());

        assertEquals("tensorflow_savedmodel", m.getPlatform());
        assertEquals(List.of(-1L, 4L), m.getInputs(0).getShapeList());
        assertEquals(List.of(-1L, 3L), m.getOutputs(0).getShapeList());
    }

    @Test
    void stringsRoundTripThroughTensorFlow() {
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("identity_string")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("BYTES")
                        .addShape(1).addShape(3))
                .addRawInputContents(Tensors.strings("", "grüße", "日本")).build());

        assertEquals("BYTES", r.getOutputs(0).getDatatype());
        assertEquals(List.of(1L, 3L), r.getOutputs(0).getShapeList());
        assertEquals(Tensors.strings("", "grüße", "日本"), r.getRawOutputContents(0));
    }

    @Test
    void djlsTensorFlowEngineIsNotOnTheClassPath() {
        // DJL's tensorflow-api ships the same org.tensorflow classes as TF Java, built for another protobuf.
        assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.djl.tensorflow.engine.TfEngine"));
    }

    @Test
    void aWrongShapeIsRejectedAndTheModelStillServes() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> inferMlp("mlp_savedmodel", 2, 5, new float[10]));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("INPUT0"), e.getStatus().getDescription());
        assertEquals(List.of(3L, 3L), inferMlp("mlp_savedmodel", 3, 4, THREE_ROWS).getOutputs(0).getShapeList());
    }
}
