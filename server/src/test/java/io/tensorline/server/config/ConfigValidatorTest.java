package io.tensorline.server.config;

import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelDynamicBatching;
import io.tensorline.proto.ModelEnsembling;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelQueuePolicy;
import io.tensorline.proto.ModelTensorReshape;
import io.tensorline.proto.ModelVersionPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.function.UnaryOperator;

import static io.tensorline.proto.ModelInstanceGroup.Kind.KIND_CPU;
import static io.tensorline.proto.ModelInstanceGroup.Kind.KIND_GPU;
import static io.tensorline.proto.ModelInstanceGroup.Kind.KIND_MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One test per rule; each asserts the whole message, which names the model, the field and the expectation. */
class ConfigValidatorTest {

    /** What the loaded model declares: x FP32 [-1, 4] in, y FP32 [-1, 4] out. */
    private static final List<TensorSpec> MODEL_IN =
            List.of(new TensorSpec("x", io.tensorline.engine.DataType.FP32, new long[] {-1, 4}));
    private static final List<TensorSpec> MODEL_OUT =
            List.of(new TensorSpec("y", io.tensorline.engine.DataType.FP32, new long[] {-1, 4}));

    private final ConfigValidator validator = new ConfigValidator(0, true);

    /** A completed config that passes every rule. */
    private static ModelConfig valid() {
        return ModelConfig.newBuilder()
                .setName("m").setPlatform("onnxruntime_onnx").setBackend("onnxruntime").setMaxBatchSize(8)
                .setVersionPolicy(ModelVersionPolicy.newBuilder()
                        .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)))
                .addInput(ModelInput.newBuilder().setName("x").setDataType(DataType.TYPE_FP32).addDims(4))
                .addOutput(ModelOutput.newBuilder().setName("y").setDataType(DataType.TYPE_FP32).addDims(4))
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setName("m_0").setKind(KIND_CPU).setCount(1))
                .setDefaultModelFilename("model.onnx")
                .build();
    }

    private static ModelConfig with(UnaryOperator<ModelConfig.Builder> change) {
        return change.apply(valid().toBuilder()).build();
    }

    private void assertRejected(String expected, ModelConfig config) {
        assertRejected(expected, () -> validator.validate(config, "m", MODEL_IN, MODEL_OUT));
    }

    private static void assertRejected(String expected, Executable validation) {
        assertEquals(expected, assertThrows(ConfigException.class, validation).getMessage());
    }

    @Test
    void aValidConfigPasses() throws Exception {
        validator.validate(valid(), "m", MODEL_IN, MODEL_OUT);
        validator.validate(with(b -> b.setDynamicBatching(ModelDynamicBatching.newBuilder()
                .addPreferredBatchSize(4).setPriorityLevels(2).setDefaultPriorityLevel(1)
                .putPriorityQueuePolicy(2, ModelQueuePolicy.newBuilder().setMaxQueueSize(3).build()))), "m",
                MODEL_IN, MODEL_OUT);
    }

    @Test
    void nameMustBeTheDirectoryName() {
        assertRejected("model 'm': name: 'other' (expected: the directory name 'm')",
                () -> validator.validate(with(b -> b.setName("other")), "m", MODEL_IN, MODEL_OUT));
    }

    @Test
    void maxBatchSizeMustNotBeNegative() {
        assertRejected("model 'm': max_batch_size: -1 (expected: >= 0)", with(b -> b.setMaxBatchSize(-1)));
    }

    @Test
    void inputsAreRequired() {
        assertRejected("model 'm': input: none (expected: at least one input, listed in config.pbtxt when "
                + "auto-complete is off)", with(ModelConfig.Builder::clearInput));
    }

    @Test
    void inStrictModeMissingOutputsFailBeforeLoading() {
        ConfigValidator strict = new ConfigValidator(0, false);
        assertRejected("model 'm': output: none (expected: at least one output, listed in config.pbtxt when "
                + "auto-complete is off)", () -> strict.validateBeforeLoad(with(ModelConfig.Builder::clearOutput), "m"));
    }

    @Test
    void withAutoCompleteMissingOutputsPassTheChecksBeforeLoading() throws Exception {
        validator.validateBeforeLoad(with(ModelConfig.Builder::clearOutput), "m");
    }

    @Test
    void inputNamesMustBeUnique() {
        assertRejected("model 'm': input 'x': listed more than once (expected: unique input names)",
                with(b -> b.addInput(valid().getInput(0))));
    }

    @Test
    void outputNamesMustBeUnique() {
        assertRejected("model 'm': output 'y': listed more than once (expected: unique output names)",
                with(b -> b.addOutput(valid().getOutput(0))));
    }

    @Test
    void dataTypeMustNotBeInvalid() {
        assertRejected("model 'm': input 'x': data_type: TYPE_INVALID (expected: a TYPE_* other than TYPE_INVALID)",
                with(b -> b.setInput(0, b.getInput(0).toBuilder().setDataType(DataType.TYPE_INVALID))));
    }

    @Test
    void dimsMustNotBeEmpty() {
        assertRejected("model 'm': output 'y': dims: [] (expected: at least one dimension; a scalar is dims: [1] "
                + "with reshape: { shape: [] })", with(b -> b.setOutput(0, b.getOutput(0).toBuilder().clearDims())));
    }

    @Test
    void eachDimMustBeMinusOneOrPositive() {
        assertRejected("model 'm': input 'x': dims: [0] (expected: each dimension -1 or > 0)",
                with(b -> b.setInput(0, b.getInput(0).toBuilder().setDims(0, 0))));
    }

    @Test
    void reshapeMustKeepTheElementCount() {
        assertRejected("model 'm': input 'x': reshape.shape [2, 3] has 6 elements but dims [4] have 4 (expected: "
                + "the same element count)", with(b -> b.setInput(0, b.getInput(0).toBuilder()
                .setReshape(ModelTensorReshape.newBuilder().addShape(2).addShape(3)))));
    }

    @Test
    void configInputsMustExistInTheModel() {
        assertRejected("model 'm': input 'z': not in the model (expected one of the model's inputs: [x])",
                with(b -> b.setInput(0, b.getInput(0).toBuilder().setName("z"))));
    }

    @Test
    void everyModelInputMustBeInTheConfig() {
        List<TensorSpec> twoInputs = List.of(MODEL_IN.get(0),
                new TensorSpec("mask", io.tensorline.engine.DataType.BOOL, new long[] {-1, 4}));
        assertRejected("model 'm': input: the model's input 'mask' is missing (expected: every model input listed, "
                + "the config lists [x])", () -> validator.validate(valid(), "m", twoInputs, MODEL_OUT));
    }

    @Test
    void configOutputsMustExistInTheModel() {
        assertRejected("model 'm': output 'probs': not in the model (expected one of the model's outputs: [y])",
                with(b -> b.setOutput(0, b.getOutput(0).toBuilder().setName("probs"))));
    }

    @Test
    void dataTypeMustMatchTheModel() {
        assertRejected("model 'm': input 'x': data_type: TYPE_INT32 (expected: TYPE_FP32, as the model declares)",
                with(b -> b.setInput(0, b.getInput(0).toBuilder().setDataType(DataType.TYPE_INT32))));
    }

    @Test
    void shapeMustMatchTheModel() {
        assertRejected("model 'm': output 'y': shape [-1, 5] from dims (expected: [-1, 4], as the "
                        + "model declares; -1 only where the model has -1, the first dimension being the batch)",
                with(b -> b.setOutput(0, b.getOutput(0).toBuilder().setDims(0, 5))));
    }

    @Test
    void aVariableDimWhereTheModelIsFixedDoesNotMatch() {
        assertRejected("model 'm': input 'x': shape [-1, -1] from dims (expected: [-1, 4], as the "
                        + "model declares; -1 only where the model has -1, the first dimension being the batch)",
                with(b -> b.setInput(0, b.getInput(0).toBuilder().setDims(0, -1))));
    }

    @Test
    void withoutBatchingTheDimsMustSpellOutTheFullShape() {
        assertRejected("model 'm': input 'x': shape [4] from dims (expected: [-1, 4], as the model "
                + "declares; -1 only where the model has -1)", with(b -> b.setMaxBatchSize(0)));
    }

    @Test
    void theReshapeIsWhatIsComparedWithTheModel() throws Exception {
        List<TensorSpec> flat = List.of(new TensorSpec("x", io.tensorline.engine.DataType.FP32, new long[] {-1, 2, 2}));
        ModelConfig reshaped = with(b -> b.setInput(0, b.getInput(0).toBuilder()
                .setReshape(ModelTensorReshape.newBuilder().addShape(2).addShape(2))));
        validator.validate(reshaped, "m", flat, MODEL_OUT);
    }

    @Test
    void kindCpuMustNotListGpus() {
        assertRejected("model 'm': instance_group 'm_0': gpus: [0] (expected: none for KIND_CPU)",
                with(b -> b.setInstanceGroup(0, b.getInstanceGroup(0).toBuilder().addGpus(0))));
    }

    @Test
    void kindModelMustNotListGpus() {
        assertRejected("model 'm': instance_group 'm_0': gpus: [1] (expected: none for KIND_MODEL)",
                with(b -> b.setInstanceGroup(0, b.getInstanceGroup(0).toBuilder().setKind(KIND_MODEL).addGpus(1))));
    }

    @Test
    void countMustBePositive() {
        assertRejected("model 'm': instance_group 'm_0': count: -2 (expected: >= 1)",
                with(b -> b.setInstanceGroup(0, b.getInstanceGroup(0).toBuilder().setCount(-2))));
    }

    @Test
    void aGpuGroupOnAMachineWithoutGpusFails() {
        assertRejected("model 'm': instance_group 'g' asks for GPU 0 but this machine has no GPU",
                with(b -> b.setInstanceGroup(0, ModelInstanceGroup.newBuilder().setName("g").setKind(KIND_GPU)
                        .setCount(1).addGpus(0))));
    }

    @Test
    void aGpuBeyondTheMachinesCountFails() {
        ConfigValidator twoGpus = new ConfigValidator(2, true);
        ModelConfig c = with(b -> b.setInstanceGroup(0, ModelInstanceGroup.newBuilder().setName("g")
                .setKind(KIND_GPU).setCount(1).addGpus(0).addGpus(2)));
        assertRejected("model 'm': instance_group 'g' asks for GPU 2 but this machine has only 2 GPUs",
                () -> twoGpus.validateBeforeLoad(c, "m"));
    }

    @Test
    void aGpuGroupWithNoGpuToUseFails() {
        assertRejected("model 'm': instance_group 'g' is KIND_GPU but this machine has no GPU",
                with(b -> b.setInstanceGroup(0, ModelInstanceGroup.newBuilder().setName("g").setKind(KIND_GPU)
                        .setCount(1))));
    }

    @Test
    void latestNumVersionsMustBePositive() {
        assertRejected("model 'm': version_policy.latest.num_versions: 0 (expected: >= 1)",
                with(b -> b.setVersionPolicy(ModelVersionPolicy.newBuilder()
                        .setLatest(ModelVersionPolicy.Latest.getDefaultInstance()))));
    }

    @Test
    void specificVersionsMustNotBeEmpty() {
        assertRejected("model 'm': version_policy.specific.versions: [] (expected: at least one version)",
                with(b -> b.setVersionPolicy(ModelVersionPolicy.newBuilder()
                        .setSpecific(ModelVersionPolicy.Specific.getDefaultInstance()))));
    }

    @Test
    void dynamicBatchingNeedsABatchingModel() {
        List<TensorSpec> fixed = List.of(new TensorSpec("x", io.tensorline.engine.DataType.FP32, new long[] {4}));
        List<TensorSpec> fixedOut = List.of(new TensorSpec("y", io.tensorline.engine.DataType.FP32, new long[] {4}));
        ModelConfig c = with(b -> b.setMaxBatchSize(0).setDynamicBatching(ModelDynamicBatching.getDefaultInstance()));
        assertRejected("model 'm': dynamic_batching: set while max_batch_size is 0 (expected: max_batch_size >= 1 "
                + "for a model that batches, or no dynamic_batching)", () -> validator.validate(c, "m", fixed, fixedOut));
    }

    @Test
    void preferredBatchSizesMustBeWithinMaxBatchSize() {
        assertRejected("model 'm': dynamic_batching.preferred_batch_size: 16 (expected: 1 to max_batch_size 8)",
                with(b -> b.setDynamicBatching(ModelDynamicBatching.newBuilder().addPreferredBatchSize(16))));
    }

    @Test
    void defaultPriorityLevelMustBeWithinTheLevels() {
        assertRejected("model 'm': dynamic_batching.default_priority_level: 3 (expected: 1 to priority_levels 2)",
                with(b -> b.setDynamicBatching(ModelDynamicBatching.newBuilder().setPriorityLevels(2)
                        .setDefaultPriorityLevel(3))));
    }

    @Test
    void aDefaultPriorityLevelNeedsLevels() {
        assertRejected("model 'm': dynamic_batching.default_priority_level: 1 (expected: 0 when priority_levels is 0)",
                with(b -> b.setDynamicBatching(ModelDynamicBatching.newBuilder().setDefaultPriorityLevel(1))));
    }

    @Test
    void priorityQueuePolicyKeysMustBeLevels() {
        assertRejected("model 'm': dynamic_batching.priority_queue_policy: level 3 (expected: 1 to priority_levels 2)",
                with(b -> b.setDynamicBatching(ModelDynamicBatching.newBuilder().setPriorityLevels(2)
                        .setDefaultPriorityLevel(1)
                        .putPriorityQueuePolicy(3, ModelQueuePolicy.getDefaultInstance()))));
    }

    @Test
    void ensembleSchedulingNeedsTheEnsemblePlatform() {
        assertRejected("ensemble scheduling cannot be set for model 'm' whose platform is not ensemble",
                with(b -> b.setEnsembleScheduling(ModelEnsembling.getDefaultInstance())));
    }
}
