package io.tensorline.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PyTorchEngineProviderTest {

    private final PyTorchEngineProvider provider = new PyTorchEngineProvider();

    @Test
    void describesWhatItServes() {
        assertEquals("pytorch", provider.backend());
        assertEquals(Set.of("pytorch_libtorch"), provider.platforms());
        assertEquals("model.pt", provider.defaultModelFileName());
        assertEquals(1, provider.defaultCpuInstanceCount());
    }

    @Test
    void isFoundByTheServiceLoader() {
        boolean found = ServiceLoader.load(EngineProvider.class).stream()
                .anyMatch(p -> p.type() == PyTorchEngineProvider.class);

        assertTrue(found);
    }

    @Test
    void loadsModelPtFromAVersionDirectory() throws Exception {
        Path versionDirectory = TestModels.PYTORCH_REPOSITORY.resolve("add_sub_pt").resolve("1");
        LoadRequest request = TestModels.request("add_sub_pt", versionDirectory, TestModels.ADD_SUB_INPUTS,
                TestModels.ADD_SUB_OUTPUTS, Map.of(), Device.CPU);

        try (LoadedModel model = provider.load(request)) {
            Tensor a = TestModels.fp32("INPUT__0", new long[] {1, 4}, 1, 2, 3, 4);
            Tensor b = TestModels.fp32("INPUT__1", new long[] {1, 4}, 4, 3, 2, 1);

            Tensor sum = model.execute(List.of(a, b)).get(0);

            assertArrayEquals(new float[] {5, 5, 5, 5}, TestModels.floats(sum));
        }
    }

    @Test
    void refusesAModelWithoutInputsAndOutputsInItsConfig() {
        LoadRequest request = TestModels.request("m", TestModels.modelFile("add_sub_pt"), List.of(), List.of(),
                Map.of(), Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'm': TorchScript models need their inputs and outputs in config.pbtxt (add input"
                + " [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [...] } ] and output [...])", e.getMessage());
    }

    @Test
    void refusesAModelWithoutOutputsInItsConfig() {
        LoadRequest request = TestModels.request("m", TestModels.modelFile("add_sub_pt"), TestModels.ADD_SUB_INPUTS,
                List.of(), Map.of(), Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertTrue(e.getMessage().startsWith("model 'm': TorchScript models need their inputs and outputs"),
                e.getMessage());
    }

    @Test
    void asksForMaxBatchSizeTooWhenTheServerCouldNotReadTheDeclarations() {
        LoadRequest request = LoadRequest.of("m", TestModels.modelFile("add_sub_pt"));

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'm': TorchScript models need max_batch_size, inputs and outputs in config.pbtxt (add"
                + " max_batch_size: 0 or more, input [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [...] } ] and"
                + " output [...])", e.getMessage());
    }

    @Test
    void refusesBytes() {
        List<TensorSpec> strings = List.of(new TensorSpec("INPUT__0", DataType.BYTES, new long[] {-1, -1}));
        LoadRequest request = TestModels.request("identity_pt_fp32", strings, List.of(
                TestModels.fp32Spec("OUTPUT__0", -1, -1)));

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'identity_pt_fp32': input 'INPUT__0' has datatype BYTES, which the PyTorch engine does not"
                + " support: TorchScript models take no string tensors (supported: BOOL, UINT8, INT8, INT32, INT64,"
                + " FP16, FP32, FP64)", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"INT16", "BF16", "UINT16", "UINT32", "UINT64"})
    void refusesTypesDjlCannotCreate(DataType type) {
        List<TensorSpec> outputs = List.of(new TensorSpec("OUTPUT__0", type, new long[] {-1, -1}));
        LoadRequest request = TestModels.request("identity_pt_fp32", List.of(TestModels.fp32Spec("INPUT__0", -1, -1)),
                outputs);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'identity_pt_fp32': output 'OUTPUT__0' has datatype " + type + ", which the PyTorch"
                + " engine does not support: DJL 0.35's PyTorch bridge cannot create " + type + " tensors"
                + " (supported: BOOL, UINT8, INT8, INT32, INT64, FP16, FP32, FP64)", e.getMessage());
    }

    @Test
    void refusesAPathWithoutAModel() {
        Path empty = TestModels.PYTORCH_REPOSITORY.resolve("add_sub_pt");
        LoadRequest request = TestModels.request("add_sub_pt", empty, TestModels.ADD_SUB_INPUTS,
                TestModels.ADD_SUB_OUTPUTS, Map.of(), Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'add_sub_pt' version 1: no TorchScript file at " + empty.resolve("model.pt")
                + " (expected: a file, or a directory holding model.pt)", e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotTorchScript() {
        Path config = TestModels.PYTORCH_REPOSITORY.resolve("add_sub_pt").resolve("config.pbtxt");
        LoadRequest request = TestModels.request("add_sub_pt", config, TestModels.ADD_SUB_INPUTS,
                TestModels.ADD_SUB_OUTPUTS, Map.of(), Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertTrue(e.getMessage().startsWith("model 'add_sub_pt' version 1: PyTorch could not load " + config
                + " as TorchScript on cpu: PytorchStreamReader failed reading zip archive"), e.getMessage());
    }

    @Test
    void saysWhenTheNativesCannotServeAGpuInstance() throws Exception {
        assumeFalse(Engine.getEngine("PyTorch").hasCapability(StandardCapabilities.CUDA),
                "these natives have CUDA; the CPU-only failure path cannot be reached");
        LoadRequest request = TestModels.request("add_sub_pt", TestModels.modelFile("add_sub_pt"),
                TestModels.ADD_SUB_INPUTS, TestModels.ADD_SUB_OUTPUTS, Map.of(), Device.gpu(1));

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'add_sub_pt' version 1: GPU 1 requested, but libtorch 2.7.1 as loaded is built for CPU"
                + " only (a GPU instance needs a CUDA build of libtorch: the GPU image's, found through"
                + " PYTORCH_LIBRARY_PATH with PYTORCH_FLAVOR=cu128, or ai.djl.pytorch:pytorch-native-cu128 in place of"
                + " pytorch-native-cpu; and a visible CUDA device)", e.getMessage());
    }

    @Test
    void refusesABadThreadCountParameter() {
        LoadRequest request = TestModels.request("add_sub_pt", TestModels.modelFile("add_sub_pt"),
                TestModels.ADD_SUB_INPUTS, TestModels.ADD_SUB_OUTPUTS, Map.of("INTRA_OP_THREAD_COUNT", "lots"),
                Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> provider.load(request));

        assertEquals("model 'add_sub_pt': parameter INTRA_OP_THREAD_COUNT: 'lots' (expected: an integer >= 0;"
                + " 0 lets the engine choose)", e.getMessage());
    }
}
