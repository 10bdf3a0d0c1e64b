package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.proto.RepositoryModelUnloadRequest;
import io.tensorline.server.cli.ModelControlOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.repository.ModelControlMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled ensemble ({@code mlp_pipeline}: {@code preprocess_scale} feeding {@code mlp}) under explicit model
 * control on the real server over gRPC, as Triton's dependency graph runs it: {@code --load-model} and the load API
 * naming only the ensemble load its composing models, a composing model's reload keeps the ensemble serving, its
 * unload takes the ensemble with it, and {@code unload_dependents} on the ensemble unloads the composing models no
 * one loaded explicitly.
 */
class EnsembleLifecycleEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    private static final float[] RAW = {12, 24, 35, 50, 10, 20, 30, 40};

    @BeforeAll
    static void start() throws Exception {
        EnsembleEndToEndTest.copyPipeline(repo);
        // only the ensemble is named: start-up loads the models it names first, as Triton does
        server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024).withModelControl(
                new ModelControlOptions(List.of(repo), ModelControlMode.EXPLICIT,
                        List.of("mlp_pipeline"), 0, 2, true, "")));
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub rpc() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static ModelInferResponse infer(String model, String input, float... values) {
        return rpc().modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(values.length / 4).addShape(4))
                .addRawInputContents(floats(values)).build());
    }

    private static float[] expected() {
        float[] mean = {10, 20, 30, 40};
        float[] std = {2, 4, 5, 10};
        float[] scaled = new float[RAW.length];
        for (int i = 0; i < RAW.length; i++) {
            scaled[i] = (RAW[i] - mean[i % 4]) / std[i % 4];
        }
        return toFloats(infer("mlp", "INPUT0", scaled).getRawOutputContents(0));
    }

    private static boolean ready(String model) {
        return rpc().modelReady(ModelReadyRequest.newBuilder().setName(model).build()).getReady();
    }

    private static void load(String model) {
        rpc().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName(model).build());
    }

    private static void unload(String model, boolean dependents) {
        rpc().repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName(model)
                .putParameters("unload_dependents", ModelRepositoryParameter.newBuilder().setBoolParam(dependents)
                        .build()).build());
    }

    @Test
    void theEnsembleFollowsItsComposingModelsThroughLoadReloadAndUnload() throws Exception {
        assertTrue(ready("mlp_pipeline"));
        assertTrue(ready("preprocess_scale") && ready("mlp"), "--load-model of the ensemble loaded what it names");
        float[] want = expected();
        assertArrayEquals(want, toFloats(infer("mlp_pipeline", "RAW", RAW).getRawOutputContents(0)));

        // a reload of a composing model (version 2 replaces 1) keeps the ensemble serving throughout
        AtomicBoolean reloaded = new AtomicBoolean();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> served = client.submit(() -> {
                int n = 0;
                while (!reloaded.get() || n < 3) {
                    assertArrayEquals(want, toFloats(infer("mlp_pipeline", "RAW", RAW).getRawOutputContents(0)));
                    n++;
                }
                return n;
            });
            Path v2 = Files.createDirectories(repo.resolve("preprocess_scale/2"));
            Files.copy(repo.resolve("preprocess_scale/1/model.onnx"), v2.resolve("model.onnx"));
            load("preprocess_scale");
            reloaded.set(true);
            assertTrue(served.get(60, TimeUnit.SECONDS) >= 3);
        } finally {
            client.shutdownNow();
            assertTrue(client.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(2L), server.core().registry().readyVersions("preprocess_scale"));
        assertTrue(ready("mlp_pipeline"));

        // unloading a composing model unloads the ensemble that runs a step on it; the other model stays
        unload("preprocess_scale", false);
        assertFalse(ready("preprocess_scale"));
        assertFalse(ready("mlp_pipeline"));
        assertTrue(ready("mlp"));

        // loading the ensemble loads the composing model it misses
        load("mlp_pipeline");
        assertTrue(ready("preprocess_scale") && ready("mlp_pipeline"));
        assertArrayEquals(want, toFloats(infer("mlp_pipeline", "RAW", RAW).getRawOutputContents(0)));

        // without unload_dependents, unloading the ensemble leaves its composing models
        unload("mlp_pipeline", false);
        assertFalse(ready("mlp_pipeline"));
        assertTrue(ready("preprocess_scale") && ready("mlp"));

        // with it, the composing models no one loaded explicitly go too: mlp was loaded by name, so it stays
        load("mlp");
        load("mlp_pipeline");
        unload("mlp_pipeline", true);
        assertFalse(ready("mlp_pipeline"));
        assertFalse(ready("preprocess_scale"), "loaded only for the ensemble");
        assertTrue(ready("mlp"), "explicitly loaded");
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                () -> infer("mlp_pipeline", "RAW", RAW));
        assertTrue(gone.getStatus().getDescription().contains("has no available versions"),
                gone.getStatus().toString());
    }
}
