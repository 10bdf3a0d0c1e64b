package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelDynamicBatching;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelVersionPolicy;
import io.tensorline.server.repository.FakeEngineProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static io.tensorline.proto.ModelInstanceGroup.Kind.KIND_AUTO;
import static io.tensorline.proto.ModelInstanceGroup.Kind.KIND_CPU;
import static io.tensorline.proto.ModelInstanceGroup.Kind.KIND_GPU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigAutoCompleterTest {

    private static final FakeEngineProvider ONNX =
            new FakeEngineProvider("onnxruntime", Set.of("onnxruntime_onnx"), "model.onnx", 2);
    private static final FakeEngineProvider TORCH =
            new FakeEngineProvider("pytorch", Set.of("pytorch_libtorch", "libtorch"), "model.pt", 1);

    private final ConfigAutoCompleter completer = new ConfigAutoCompleter(List.of(ONNX, TORCH), 0, true);

    private static TensorSpec spec(String name, DataType type, long... shape) {
        return new TensorSpec(name, type, shape);
    }

    private static ModelConfig named(String name) {
        return ModelConfig.newBuilder().setName(name).build();
    }

    // ---- identity: name, platform, backend

    @Test
    void nameComesFromTheDirectory() {
        assertEquals("m", completer.completeIdentity(ModelConfig.getDefaultInstance(), "m", null).getName());
    }

    @Test
    void aDifferentNameIsKeptForTheValidatorToReject() {
        assertEquals("other", completer.completeIdentity(named("other"), "m", null).getName());
    }

    @Test
    void backendIsDetectedFromTheModelFileInTheFirstVersionFolder(@TempDir Path dir) throws Exception {
        Path v1 = Files.createDirectories(dir.resolve("1"));
        Files.createFile(v1.resolve("model.pt"));

        ModelConfig c = completer.completeIdentity(named("m"), "m", v1);

        assertEquals("pytorch", c.getBackend());
        assertEquals("pytorch_libtorch", c.getPlatform());
    }

    @Test
    void aDirectoryNamedXDotBackendImpliesThatBackend() {
        ModelConfig c = completer.completeIdentity(ModelConfig.getDefaultInstance(), "resnet.onnxruntime", null);

        assertEquals("onnxruntime", c.getBackend());
        assertEquals("onnxruntime_onnx", c.getPlatform());
    }

    @Test
    void nothingDetectedLeavesBothEmpty(@TempDir Path v1) {
        ModelConfig c = completer.completeIdentity(named("m"), "m", v1);

        assertEquals("", c.getBackend());
        assertEquals("", c.getPlatform());
    }

    @Test
    void platformFillsInTheBackend() {
        ModelConfig c = completer.completeIdentity(named("m").toBuilder().setPlatform("onnxruntime_onnx").build(),
                "m", null);
        assertEquals("onnxruntime", c.getBackend());
    }

    @Test
    void backendFillsInThePlatform() {
        ModelConfig c = completer.completeIdentity(named("m").toBuilder().setBackend("onnxruntime").build(), "m",
                null);
        assertEquals("onnxruntime_onnx", c.getPlatform());
    }

    @Test
    void aBackendTritonDoesNotKnowTakesItsEnginesPlatform() {
        ConfigAutoCompleter withFake = new ConfigAutoCompleter(List.of(new FakeEngineProvider()), 0, true);
        ModelConfig c = withFake.completeIdentity(named("m").toBuilder().setBackend("fake").build(), "m", null);
        assertEquals("fake_platform", c.getPlatform());
    }

    @Test
    void aTritonPlatformWithoutAnEngineStillNamesItsBackend() {
        ConfigAutoCompleter onnxOnly = new ConfigAutoCompleter(List.of(ONNX), 0, true);
        ModelConfig c = onnxOnly.completeIdentity(named("m").toBuilder().setPlatform("tensorflow_savedmodel").build(),
                "m", null);
        assertEquals("tensorflow", c.getBackend());
    }

    // ---- defaults that need no model

    @Test
    void versionPolicyDefaultsToLatestOne() {
        ModelConfig c = completer.completeDefaults(named("m"), ONNX);
        assertEquals(ModelVersionPolicy.newBuilder().setLatest(
                ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)).build(), c.getVersionPolicy());
    }

    @Test
    void modelFileNameDefaultsToTheEngines() {
        assertEquals("model.onnx", completer.completeDefaults(named("m"), ONNX).getDefaultModelFilename());
        ModelConfig custom = named("m").toBuilder().setDefaultModelFilename("net.onnx").build();
        assertEquals("net.onnx", completer.completeDefaults(custom, ONNX).getDefaultModelFilename());
    }

    @Test
    void noInstanceGroupGivesOneCpuGroupWithTheEnginesDefaultCount() {
        ModelConfig c = completer.completeDefaults(named("m"), ONNX);
        assertEquals(List.of(ModelInstanceGroup.newBuilder().setName("m_0").setKind(KIND_CPU).setCount(2).build()),
                c.getInstanceGroupList());
    }

    @Test
    void noInstanceGroupOnAGpuMachineGivesOneInstancePerGpu() {
        ConfigAutoCompleter twoGpus = new ConfigAutoCompleter(List.of(ONNX), 2, true);
        ModelInstanceGroup g = twoGpus.completeDefaults(named("m"), ONNX).getInstanceGroup(0);
        assertEquals(KIND_GPU, g.getKind());
        assertEquals(1, g.getCount());
        assertEquals(List.of(0, 1), g.getGpusList());
    }

    @Test
    void unnamedGroupsAreNamedByIndexAndMissingCountsBecomeOne() {
        ModelConfig c = named("m").toBuilder()
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setName("pool").setKind(KIND_CPU).setCount(3))
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setKind(KIND_CPU))
                .build();

        List<ModelInstanceGroup> groups = completer.completeDefaults(c, ONNX).getInstanceGroupList();

        assertEquals("pool", groups.get(0).getName());
        assertEquals(3, groups.get(0).getCount());
        assertEquals("m_1", groups.get(1).getName());
        assertEquals(1, groups.get(1).getCount()); // the engine's CPU default applies only with no group at all
    }

    @Test
    void kindAutoBecomesCpuWithoutGpus() {
        ModelConfig c = named("m").toBuilder()
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setKind(KIND_AUTO).addGpus(0)).build();
        ModelInstanceGroup g = completer.completeDefaults(c, ONNX).getInstanceGroup(0);
        assertEquals(KIND_CPU, g.getKind());
        assertEquals(0, g.getGpusCount());
    }

    @Test
    void kindAutoBecomesCpuWhenAListedGpuIsMissing() {
        ConfigAutoCompleter oneGpu = new ConfigAutoCompleter(List.of(ONNX), 1, true);
        ModelConfig c = named("m").toBuilder()
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setKind(KIND_AUTO).addGpus(0).addGpus(1)).build();
        assertEquals(KIND_CPU, oneGpu.completeDefaults(c, ONNX).getInstanceGroup(0).getKind());
    }

    @Test
    void kindAutoBecomesGpuWhenEveryListedGpuExists() {
        ConfigAutoCompleter twoGpus = new ConfigAutoCompleter(List.of(ONNX), 2, true);
        ModelConfig c = named("m").toBuilder()
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setKind(KIND_AUTO)).build();
        ModelInstanceGroup g = twoGpus.completeDefaults(c, ONNX).getInstanceGroup(0);
        assertEquals(KIND_GPU, g.getKind());
        assertEquals(List.of(0, 1), g.getGpusList());
    }

    // ---- from the model's own metadata

    @Test
    void aBatchingModelGetsTheDefaultMaxBatchSizeAndDimsWithoutTheBatchDimension() {
        ModelConfig c = completer.completeFromModel(named("m"), false,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.INT64, -1, 3)));

        assertEquals(ConfigAutoCompleter.DEFAULT_MAX_BATCH_SIZE, c.getMaxBatchSize());
        assertEquals(ModelInput.newBuilder().setName("x").setDataType(io.tensorline.proto.DataType.TYPE_FP32)
                .addDims(4).build(), c.getInput(0));
        assertEquals(ModelOutput.newBuilder().setName("y").setDataType(io.tensorline.proto.DataType.TYPE_INT64)
                .addDims(3).build(), c.getOutput(0));
    }

    @Test
    void autoCompletionDoesNotTurnOnDynamicBatching() {
        ModelConfig c = completer.completeFromModel(named("m"), false,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.FP32, -1, 3)));
        assertFalse(c.hasDynamicBatching());
    }

    @Test
    void aModelWithAFixedFirstDimensionDoesNotBatch() {
        ModelConfig c = completer.completeFromModel(named("m"), false,
                List.of(spec("x", DataType.FP32, 2, 2)), List.of(spec("y", DataType.FP32, -1, 2)));

        assertEquals(0, c.getMaxBatchSize());
        assertEquals(List.of(2L, 2L), c.getInput(0).getDimsList());
        assertEquals(List.of(-1L, 2L), c.getOutput(0).getDimsList());
    }

    @Test
    void aGivenMaxBatchSizeStripsTheFirstDimension() {
        ModelConfig c = completer.completeFromModel(named("m").toBuilder().setMaxBatchSize(8).build(), true,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.FP32, -1, 4)));

        assertEquals(8, c.getMaxBatchSize());
        assertEquals(List.of(4L), c.getInput(0).getDimsList());
    }

    @Test
    void anExplicitZeroMaxBatchSizeKeepsFullShapes() {
        ModelConfig c = completer.completeFromModel(named("m"), true,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.FP32, -1, 4)));

        assertEquals(0, c.getMaxBatchSize());
        assertEquals(List.of(-1L, 4L), c.getInput(0).getDimsList());
    }

    @Test
    void configInputsAreKeptAndMissingOutputsComeFromTheModel() {
        ModelInput declared = ModelInput.newBuilder().setName("x").setDataType(io.tensorline.proto.DataType.TYPE_FP32)
                .addDims(4).build();
        ModelConfig c = completer.completeFromModel(named("m").toBuilder().addInput(declared).build(), false,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.BYTES, -1)));

        assertEquals(List.of(declared), c.getInputList());
        assertEquals(4, c.getMaxBatchSize());
        assertEquals("y", c.getOutput(0).getName());
        assertEquals(io.tensorline.proto.DataType.TYPE_STRING, c.getOutput(0).getDataType());
        // the batch dimension was the only one: a scalar per item, written as dims [1] reshaped to []
        assertEquals(List.of(1L), c.getOutput(0).getDimsList());
        assertTrue(c.getOutput(0).hasReshape());
        assertEquals(0, c.getOutput(0).getReshape().getShapeCount());
    }

    @Test
    void configDimsSpellingOutTheFullRankMeanNoImplicitBatch() {
        ModelInput declared = ModelInput.newBuilder().setName("x").setDataType(io.tensorline.proto.DataType.TYPE_FP32)
                .addDims(-1).addDims(4).build();
        ModelConfig c = completer.completeFromModel(named("m").toBuilder().addInput(declared).build(), false,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.FP32, -1, 4)));

        assertEquals(0, c.getMaxBatchSize());
        assertEquals(List.of(-1L, 4L), c.getOutput(0).getDimsList());
    }

    @Test
    void strictModeTakesTheConfigAsWritten() {
        ConfigAutoCompleter strict = new ConfigAutoCompleter(List.of(ONNX), 0, false);
        ModelConfig c = named("m");

        assertSame(c, strict.completeFromModel(c, false, List.of(spec("x", DataType.FP32, -1, 4)),
                List.of(spec("y", DataType.FP32, -1, 4))));
    }

    @Test
    void strictModeStillFillsInInstanceGroups() {
        ConfigAutoCompleter strict = new ConfigAutoCompleter(List.of(ONNX), 0, false);
        assertEquals(1, strict.completeDefaults(named("m"), ONNX).getInstanceGroupCount());
    }

    @Test
    void dynamicBatchingWithoutPreferredSizesKeepsTheProtoEmptyAndTheSpecUsesMaxBatchSize() {
        ModelConfig c = completer.completeFromModel(named("m").toBuilder()
                        .setDynamicBatching(ModelDynamicBatching.getDefaultInstance()).build(), false,
                List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.FP32, -1, 4)));
        c = completer.completeDefaults(c, ONNX);

        assertEquals(0, c.getDynamicBatching().getPreferredBatchSizeCount());
        assertEquals(List.of(4), ModelSpecs.from(c).dynamicBatching().preferredBatchSizes());
    }
}
