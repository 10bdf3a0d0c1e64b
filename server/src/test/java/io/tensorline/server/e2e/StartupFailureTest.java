package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --exit-on-error}: a model that fails to load stops start-up, or is reported while the rest serve. */
class StartupFailureTest {

    @TempDir
    Path repo;

    private void copyModel(Path from, String name) throws IOException {
        Path src = from.resolve(name);
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = repo.resolve(name).resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void aFailedModelStopsStartUpByDefault() throws Exception {
        copyModel(TestServers.TEST_REPOSITORY, "identity_fp32");
        copyModel(TestServers.UNSUPPORTED_REPOSITORY, "identity_uint16");
        TensorlineServer.StartupException e = assertThrows(TensorlineServer.StartupException.class,
                () -> TensorlineServer.start(TestServers.options(repo, true, 1 << 20)));
        assertTrue(e.getMessage().contains("identity_uint16"), e.getMessage());
        assertTrue(e.getMessage().contains("UINT16"), e.getMessage());
    }

    @Test
    void withoutExitOnErrorTheOthersServeAndTheFailureIsListed() throws Exception {
        copyModel(TestServers.TEST_REPOSITORY, "identity_fp32");
        copyModel(TestServers.UNSUPPORTED_REPOSITORY, "identity_uint16");
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, false, 1 << 20))) {
            ManagedChannel ch = TestServers.channel(server);
            try {
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                        GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
                RepositoryIndexResponse index = stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
                RepositoryIndexResponse.ModelIndex failed = index.getModelsList().stream()
                        .filter(m -> m.getName().equals("identity_uint16")).findFirst().orElseThrow();
                assertEquals("UNAVAILABLE", failed.getState());
                assertTrue(failed.getReason().contains("UINT16"), failed.getReason());
                assertFalse(stub.modelReady(ModelReadyRequest.newBuilder().setName("identity_uint16").build()).getReady());
                assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("identity_fp32").build()).getReady());
                assertFalse(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady(),
                        "not every model is ready");
                ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("identity_fp32")
                        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("FP32")
                                .addShape(1).addShape(2))
                        .addRawInputContents(Tensors.floats(5, 6)).build());
                assertArrayEquals(new float[] {5, 6}, Tensors.toFloats(r.getRawOutputContents(0)));
                assertTrue(server.startupLine().contains("UNAVAILABLE: identity_uint16"), server.startupLine());
            } finally {
                TestServers.close(ch);
            }
        }
    }
}
