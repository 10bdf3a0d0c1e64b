package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.server.cli.ModelControlOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.repository.ModelControlMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Poll mode on the real server (rescans every second): a model added to the repository loads, a changed config
 * reloads, a removed model unloads; the server keeps answering meanwhile.
 */
class PollModeEndToEndTest {

    @TempDir
    Path repo;

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not seen within 60 s");
            }
            Thread.sleep(50);
        }
    }

    private void simulated(String name) throws Exception {
        // written in a scratch folder and moved in, so the poller never sees a half-written model
        Path scratch = Files.createTempDirectory(repo.getParent(), ".scratch");
        TestServers.copyModel(Path.of("../model-repository"), "simulated", scratch, name);
        Path config = scratch.resolve(name).resolve("config.pbtxt");
        Files.writeString(config, Files.readString(config).replace("name: \"simulated\"", "name: \"" + name + "\"")
                .replace("\"2000\"", "\"0\""));
        Files.move(scratch.resolve(name), repo.resolve(name));
        Files.delete(scratch);
    }

    @Test
    void addedChangedAndRemovedModelsAreAppliedWhileTheServerServes() throws Exception {
        simulated("first");
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024)
                .withModelControl(new ModelControlOptions(List.of(repo), ModelControlMode.POLL, List.of(), 1, 2,
                        true, "")))) {
            ManagedChannel channel = TestServers.channel(server);
            try {
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                        GRPCInferenceServiceGrpc.newBlockingStub(channel);
                simulated("second");
                await("the added model is READY", () -> states(stub).contains("second:1:READY"));
                assertArrayEquals(row(), infer(stub, "second"));

                Path config = repo.resolve("first/config.pbtxt");
                Files.writeString(config, Files.readString(config).replace("max_batch_size: 64",
                        "max_batch_size: 32"));
                await("the changed config is served", () -> maxBatchSize(stub, "first") == 32);
                assertArrayEquals(row(), infer(stub, "first"));

                try (Stream<Path> files = Files.walk(repo.resolve("second"))) {
                    for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                        Files.delete(p);
                    }
                }
                await("the removed model is gone", () -> !states(stub).contains("second:1:READY"));
                assertEquals(List.of("first:1:READY"), states(stub));
            } finally {
                TestServers.close(channel);
            }
        }
    }

    private static List<String> states(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS).repositoryIndex(RepositoryIndexRequest
                .getDefaultInstance()).getModelsList().stream()
                .map(m -> m.getName() + ":" + m.getVersion() + ":" + m.getState()).toList();
    }

    private static int maxBatchSize(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, String model) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelConfig(ModelConfigRequest.newBuilder()
                .setName(model).build()).getConfig().getMaxBatchSize();
    }

    private static float[] row() {
        float[] r = new float[16];
        for (int i = 0; i < r.length; i++) {
            r[i] = i * 0.5f;
        }
        return r;
    }

    private static float[] infer(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, String model) {
        ModelInferResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(ModelInferRequest.newBuilder()
                .setModelName(model).addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0")
                        .setDatatype("FP32").addShape(1).addShape(16))
                .addRawInputContents(floats(row())).build());
        return toFloats(r.getRawOutputContents(0));
    }
}
