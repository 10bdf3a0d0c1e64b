package io.tensorline.engine.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFlowEngineProviderTest {

    private final TensorFlowEngineProvider provider = new TensorFlowEngineProvider();

    @Test
    void describesWhatItServes() {
        assertEquals("tensorflow", provider.backend());
        assertEquals(Set.of("tensorflow_savedmodel"), provider.platforms());
        assertEquals("model.savedmodel", provider.defaultModelFileName());
        assertEquals(2, provider.defaultCpuInstanceCount());
    }

    @Test
    void isFoundByTheServiceLoader() {
        boolean found = ServiceLoader.load(EngineProvider.class).stream()
                .anyMatch(p -> p.type() == TensorFlowEngineProvider.class);

        assertTrue(found);
    }

    @Test
    void loadsTheSavedModelInAVersionFolder() throws Exception {
        Path versionFolder = TestModels.TF_REPOSITORY.resolve("identity_fp32").resolve("1");

        try (LoadedModel model = provider.load(LoadRequest.of("identity_fp32", versionFolder))) {
            Tensor output = model.execute(List.of(TestModels.fp32("INPUT0", new long[] {1, 2}, 4f, -5f))).get(0);

            assertArrayEquals(new float[] {4f, -5f}, TestModels.floats(output));
        }
    }

    @Test
    void readsTheExampleMlpsSignature() throws Exception {
        Path savedModel = TestModels.EXAMPLE_REPOSITORY.resolve("mlp_savedmodel/1/model.savedmodel");

        try (LoadedModel model = provider.load(LoadRequest.of("mlp_savedmodel", savedModel))) {
            assertEquals(List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 4})), model.inputs());
            assertEquals(List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 3})), model.outputs());
        }
    }

    @Test
    void refusesAPathWithoutASavedModel() {
        Path folder = TestModels.TF_REPOSITORY.resolve("add_sub");

        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(LoadRequest.of("add_sub", folder)));

        assertEquals("model 'add_sub' version 1: no SavedModel at " + folder + " (expected: a directory holding"
                + " saved_model.pb, or a version folder holding model.savedmodel/saved_model.pb)", e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotASavedModel(@TempDir Path directory) throws Exception {
        Files.write(directory.resolve("saved_model.pb"), "not a protobuf".getBytes(StandardCharsets.UTF_8));

        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(LoadRequest.of("broken", directory)));

        assertTrue(e.getMessage().startsWith("model 'broken' version 1: TensorFlow could not load the SavedModel at "
                + directory + " with tag 'serve' (parameter TF_GRAPH_TAG): "), e.getMessage());
    }

    @Test
    void refusesATypeTfJavaCannotCarryAtLoad() {
        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(TestModels.request("identity_int8")));

        assertEquals("model 'identity_int8' version 1: input 'INPUT0' has type INT8, which TF Java does not support"
                + " (supported: " + TfTypes.SUPPORTED + ")", e.getMessage());
    }

    @Test
    void aGpuInstanceFailsClearlyWhereTensorFlowHasNoGpu() {
        LoadRequest request = TestModels.request("identity_fp32", Map.of(), List.of(), List.of(), Device.gpu(0));

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertTrue(e.getMessage().startsWith("model 'identity_fp32' version 1: GPU 0 is not available to TensorFlow ("),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("); a GPU instance needs TF Java's GPU natives"
                + " (org.tensorflow:tensorflow-core-native, classifier linux-x86_64-gpu) and a visible CUDA device"),
                e.getMessage());
    }

    @Test
    void refusesABadThreadCountParameter() {
        LoadRequest request = TestModels.request("identity_fp32", Map.of("TF_NUM_INTRA_THREADS", "lots"));

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'identity_fp32': parameter TF_NUM_INTRA_THREADS: 'lots' (expected: an integer >= 0; 0 lets the engine choose)",
                e.getMessage());
    }
}
