package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The real server with the PyTorch engine from the class path, over the example mlp as ONNX and as TorchScript
 * (same weights): both answer the same over gRPC.
 */
class PyTorchEndToEndTest {

    private static final Path EXAMPLE_REPOSITORY = Path.of("../model-repository");
    private static final float[] THREE_ROWS = {
        0.5f, -1.25f, 2f, 0f,
        -0.75f, 0.1f, 0.3f, 1.5f,
        3f, -2f, -0.5f, 0.25f};

    @TempDir
    static Path repository;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        copy(EXAMPLE_REPOSITORY.resolve("mlp"), repository.resolve("mlp"));
        copy(EXAMPLE_REPOSITORY.resolve("mlp_torchscript"), repository.resolve("mlp_torchscript"));
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

    @Test
    void torchScriptAndOnnxCopiesOfTheMlpAgree() {
        float[] onnx = infer("mlp", "INPUT0");
        float[] torch = infer("mlp_torchscript", "INPUT__0");

        assertEquals(9, onnx.length);
        assertArrayEquals(onnx, torch, 1e-5f);
        // different rows in, different rows out: the comparison is not between two constant answers
        assertNotEquals(onnx[0], onnx[3]);
    }

    @Test
    void metadataComesFromTheConfig() {
        ModelMetadataResponse m = stub.modelMetadata(ModelMetadataRequest.newBuilder()
                .setName("mlp_torchscript").build());

        assertEquals("pytorch_libtorch", m.getPlatform());
        assertEquals("INPUT__0", m.getInputs(0).getName());
        assertEquals("FP32", m.getInputs(0).getDatatype());
        assertEquals(List.of(-1L, 4L), m.getInputs(0).getShapeList());
        assertEquals("OUTPUT__0", m.getOutputs(0).getName());
        assertEquals(List.of(-1L, 3L), m.getOutputs(0).getShapeList());
    }

    private static float[] infer(String model, String input) {
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(3).addShape(4))
                .addRawInputContents(floats(THREE_ROWS)).build();
        ModelInferResponse response = stub.modelInfer(request);
        assertEquals(List.of(3L, 3L), response.getOutputs(0).getShapeList());
        return toFloats(response.getRawOutputContents(0));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(source -> {
                try {
                    Files.copy(source, to.resolve(from.relativize(source).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
