package io.tensorline.engine.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxRuntimeEngineProviderTest {

    private final OnnxRuntimeEngineProvider provider = new OnnxRuntimeEngineProvider();

    @Test
    void describesWhatItServes() {
        assertEquals("onnxruntime", provider.backend());
        assertEquals(Set.of("onnxruntime_onnx"), provider.platforms());
        assertEquals("model.onnx", provider.defaultModelFileName());
        assertEquals(2, provider.defaultCpuInstanceCount());
    }

    @Test
    void isFoundByTheServiceLoader() {
        boolean found = ServiceLoader.load(EngineProvider.class).stream()
                .anyMatch(p -> p.type() == OnnxRuntimeEngineProvider.class);

        assertTrue(found);
    }

    @Test
    void loadsModelOnnxFromAVersionDirectory() throws Exception {
        Path versionDirectory = TestModels.TEST_REPOSITORY.resolve("identity_fp32").resolve("1");

        try (LoadedModel model = provider.load(LoadRequest.of("identity_fp32", versionDirectory))) {
            Tensor output = model.execute(List.of(TestModels.fp32("INPUT0", new long[] {1, 2}, 4f, -5f))).get(0);

            assertArrayEquals(new float[] {4f, -5f}, TestModels.floats(output));
        }
    }

    @Test
    void prepareOnOneInstanceThenALoadOnAnotherServes() throws Exception {
        new OnnxRuntimeEngineProvider().prepare();
        provider.prepare(); // idempotent
        Path versionDirectory = TestModels.TEST_REPOSITORY.resolve("identity_fp32").resolve("1");

        try (LoadedModel model = provider.load(LoadRequest.of("identity_fp32", versionDirectory))) {
            Tensor output = model.execute(List.of(TestModels.fp32("INPUT0", new long[] {1, 2}, 1.5f, 2f))).get(0);

            assertArrayEquals(new float[] {1.5f, 2f}, TestModels.floats(output));
        }
    }

    @Test
    void refusesAPathWithoutAModel() {
        Path empty = TestModels.TEST_REPOSITORY.resolve("autocomplete_batch");

        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(LoadRequest.of("autocomplete_batch", empty)));

        assertTrue(e.getMessage().contains("no ONNX model file at " + empty.resolve("model.onnx")), e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotAnOnnxModel() {
        Path config = TestModels.TEST_REPOSITORY.resolve("identity_fp32").resolve("config.pbtxt");

        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(LoadRequest.of("identity_fp32", config)));

        assertTrue(e.getMessage().startsWith("model 'identity_fp32' version 1: ONNX Runtime could not load"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"uint16", "uint32", "uint64"})
    void refusesTypesTheJavaApiCannotCarry(String type) {
        String name = "identity_" + type;
        Path path = TestModels.UNSUPPORTED_REPOSITORY.resolve(name).resolve("1").resolve("model.onnx");

        EngineException e = assertThrows(EngineException.class, () -> provider.load(LoadRequest.of(name, path)));

        assertEquals("model '" + name + "' version 1: input 'INPUT0' has type " + type.toUpperCase()
                + ", which ONNX Runtime's Java API does not support (supported: " + OrtTypes.SUPPORTED + ")",
                e.getMessage());
    }

    @Test
    void saysWhenTheCudaProviderIsMissingForAGpuInstance() {
        assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
                "these natives have CUDA; the failure path cannot be reached");
        LoadRequest request = new LoadRequest("identity_fp32", 1, TestModels.modelFile("identity_fp32", 1),
                Device.gpu(3), Map.of(), List.of(), List.of(), -1, 1);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertTrue(e.getMessage().startsWith("model 'identity_fp32' version 1: the CUDA execution provider is not"
                + " available for GPU id 3"), e.getMessage());
    }

    @Test
    void refusesABadThreadCountParameter() {
        LoadRequest request = new LoadRequest("identity_fp32", 1, TestModels.modelFile("identity_fp32", 1),
                Device.CPU, Map.of("intra_op_thread_count", "lots"), List.of(), List.of(), -1, 1);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'identity_fp32': parameter intra_op_thread_count: 'lots' (expected: an integer >= 0; 0 lets the engine choose)",
                e.getMessage());
    }
}
