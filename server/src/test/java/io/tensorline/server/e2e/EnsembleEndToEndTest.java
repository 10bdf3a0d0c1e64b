package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled ensemble example ({@code mlp_pipeline}: {@code preprocess_scale} feeding {@code mlp}) and an ensemble
 * over the sequence accumulator, on the real server over gRPC, plus an ensemble that names a missing model.
 */
class EnsembleEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        copyPipeline(repo);
        TestServers.copyModel(SequenceBatchingEndToEndTest.SEQUENCE_REPOSITORY, "accumulator", repo, "accumulator");
        writeEnsemble("running_total", "accumulator", "INPUT", "OUTPUT", "TYPE_INT32", 1);
        writeEnsemble("broken", "no_such_model", "INPUT", "OUTPUT", "TYPE_INT32", 1);
        server = TensorlineServer.start(TestServers.options(repo, false, 64 * 1024 * 1024));
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    /** The bundled example {@code mlp_pipeline} with its composing models. */
    static void copyPipeline(Path repo) throws java.io.IOException {
        for (String m : new String[] {"mlp", "preprocess_scale", "mlp_pipeline"}) {
            TestServers.copyModel(Path.of("../model-repository"), m, repo, m);
        }
    }

    private static void writeEnsemble(String name, String step, String in, String out, String type, int dim)
            throws Exception {
        Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.writeString(repo.resolve(name).resolve("config.pbtxt"), "name: \"" + name + "\"\nplatform: \"ensemble\"\n"
                + "max_batch_size: 8\ninput [ { name: \"IN\" data_type: " + type + " dims: [ " + dim + " ] } ]\n"
                + "output [ { name: \"OUT\" data_type: " + type + " dims: [ " + dim + " ] } ]\n"
                + "ensemble_scheduling { step [ { model_name: \"" + step + "\" model_version: -1 "
                + "input_map { key: \"" + in + "\" value: \"IN\" } output_map { key: \"" + out + "\" value: \"OUT\" } } ] }\n");
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static ModelInferResponse infer(String model, String input, float... values) {
        return stub().modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(values.length / 4).addShape(4))
                .addRawInputContents(floats(values)).build());
    }

    @Test
    void thePipelineEqualsTheMlpOnScaledFeatures() {
        float[] raw = {12, 24, 35, 50, 10, 20, 30, 40};
        float[] mean = {10, 20, 30, 40};
        float[] std = {2, 4, 5, 10};
        float[] scaled = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            scaled[i] = (raw[i] - mean[i % 4]) / std[i % 4];
        }
        ModelInferResponse viaEnsemble = infer("mlp_pipeline", "RAW", raw);
        ModelInferResponse direct = infer("mlp", "INPUT0", scaled);
        assertEquals("SCORES", viaEnsemble.getOutputs(0).getName());
        assertEquals(java.util.List.of(2L, 3L), viaEnsemble.getOutputs(0).getShapeList());
        assertArrayEquals(toFloats(direct.getRawOutputContents(0)), toFloats(viaEnsemble.getRawOutputContents(0)));

        ModelStatistics ensemble = stub().modelStatistics(ModelStatisticsRequest.newBuilder()
                .setName("mlp_pipeline").build()).getModelStats(0);
        ModelStatistics pre = stub().modelStatistics(ModelStatisticsRequest.newBuilder()
                .setName("preprocess_scale").build()).getModelStats(0);
        assertTrue(ensemble.getInferenceStats().getSuccess().getCount() >= 1);
        assertTrue(ensemble.getExecutionCount() >= 1);
        assertTrue(pre.getInferenceStats().getSuccess().getCount() >= 1, "the composing model keeps its own entry");
    }

    private static ModelInferRequest accumulate(Long id, boolean start, int value) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("running_total")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("IN").setDatatype("INT32")
                        .addShape(1).addShape(1))
                .addRawInputContents(SequenceBatchingEndToEndTest.ints(value));
        if (id != null) {
            b.putParameters("sequence_id", InferParameter.newBuilder().setInt64Param(id).build());
            b.putParameters("sequence_start", InferParameter.newBuilder().setBoolParam(start).build());
        }
        return b.build();
    }

    @Test
    void sequenceParametersReachTheComposingSequenceModel() {
        stub().modelInfer(accumulate(900L, true, 5));
        ModelInferResponse r = stub().modelInfer(accumulate(900L, false, 6));
        assertEquals(11, r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void aFailingStepFailsTheRequestInTritonsWords() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(accumulate(null, false, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("in ensemble 'running_total', inference request to model 'accumulator' must specify a non-zero "
                + "or non-empty correlation ID", e.getStatus().getDescription());
        stub().modelInfer(accumulate(901L, true, 1)); // the ensemble still serves
    }

    @Test
    void anEnsembleNamingAMissingModelIsUnavailableWithItsReason() {
        RepositoryIndexResponse index = stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        RepositoryIndexResponse.ModelIndex broken = index.getModelsList().stream()
                .filter(m -> m.getName().equals("broken")).findFirst().orElseThrow();
        assertEquals("UNAVAILABLE", broken.getState());
        assertEquals("model 'broken': ensemble 'broken' depends on 'no_such_model', which has no ready version "
                + "(expected: a loaded model in the repository)", broken.getReason());
    }
}
