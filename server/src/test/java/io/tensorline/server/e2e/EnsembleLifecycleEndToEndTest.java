package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Status;
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

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled ensemble ({@code mlp_pipeline}: {@code preprocess_scale} feeding {@code mlp}) under explicit model
 * control on the real server over gRPC: {@code --load-model} naming the ensemble before its models, an ensemble
 * load refused while a composing model is missing, and {@code unload_dependents}.
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
        Path examples = Path.of("../model-repository");
        for (String m : new String[] {"mlp", "preprocess_scale", "mlp_pipeline"}) {
            TestServers.copyModel(examples, m, repo, m);
        }
        // the ensemble is named first: start-up still loads it after the models it names
        server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024).withModelControl(
                new ModelControlOptions(List.of(repo), ModelControlMode.EXPLICIT,
                        List.of("mlp_pipeline", "preprocess_scale", "mlp"), 0, 2, true, "")));
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
    void theEnsembleFollowsItsComposingModelsThroughLoadAndUnload() {
        assertTrue(ready("mlp_pipeline"), "loaded at start-up after preprocess_scale and mlp");
        assertArrayEquals(expected(), toFloats(infer("mlp_pipeline", "RAW", RAW).getRawOutputContents(0)));

        // without unload_dependents the ensemble stays, and its first step fails naming the composing model
        unload("preprocess_scale", false);
        assertTrue(ready("mlp_pipeline"));
        StatusRuntimeException step = assertThrows(StatusRuntimeException.class,
                () -> infer("mlp_pipeline", "RAW", RAW));
        assertTrue(step.getStatus().getDescription().startsWith("in ensemble 'mlp_pipeline', "),
                step.getStatus().getDescription());
        assertTrue(step.getStatus().getDescription().contains("preprocess_scale"),
                step.getStatus().getDescription());

        // a load of the ensemble while a composing model is missing fails, naming it; the serving version stays
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> load("mlp_pipeline"));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains(
                "ensemble 'mlp_pipeline' depends on 'preprocess_scale', which has no ready version"),
                refused.getStatus().getDescription());

        load("preprocess_scale");
        assertArrayEquals(expected(), toFloats(infer("mlp_pipeline", "RAW", RAW).getRawOutputContents(0)));

        // with unload_dependents the ensemble goes with the model it runs a step on; the other model stays
        unload("mlp", true);
        assertFalse(ready("mlp"));
        assertFalse(ready("mlp_pipeline"));
        assertTrue(ready("preprocess_scale"));
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> load("mlp_pipeline"));
        assertTrue(missing.getStatus().getDescription().contains("depends on 'mlp', which has no ready version"),
                missing.getStatus().getDescription());
        assertFalse(ready("mlp_pipeline"));

        // once the composing model is back, an explicit load of the ensemble works
        load("mlp");
        load("mlp_pipeline");
        assertTrue(ready("mlp_pipeline"));
        assertArrayEquals(expected(), toFloats(infer("mlp_pipeline", "RAW", RAW).getRawOutputContents(0)));
    }
}
