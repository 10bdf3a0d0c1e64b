package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelDynamicBatching;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelParameter;
import io.tensorline.proto.ModelQueuePolicy;
import io.tensorline.proto.ModelTensorReshape;
import io.tensorline.proto.ModelVersionPolicy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a completed, validated {@link ModelConfig} into the immutable, protobuf-free {@link ModelSpec}. */
public final class ModelSpecs {

    private ModelSpecs() {
    }

    /**
     * @throws IllegalArgumentException when the config holds values validation would have rejected
     */
    public static ModelSpec from(ModelConfig c) {
        List<IoSpec> inputs = c.getInputList().stream().map(ModelSpecs::input).toList();
        List<IoSpec> outputs = c.getOutputList().stream().map(ModelSpecs::output).toList();
        List<InstanceGroupSpec> groups = c.getInstanceGroupList().stream().map(ModelSpecs::group).toList();
        DynamicBatchingSpec batching = c.hasDynamicBatching()
                ? dynamicBatching(c.getDynamicBatching(), c.getMaxBatchSize()) : null;
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Map.Entry<String, ModelParameter> e : c.getParametersMap().entrySet()) {
            parameters.put(e.getKey(), e.getValue().getStringValue());
        }
        return new ModelSpec(c.getName(), c.getPlatform(), c.getBackend(), c.getMaxBatchSize(), inputs, outputs,
                groups, batching, versionPolicy(c.getVersionPolicy()), c.getDefaultModelFilename(), parameters, null,
                c.hasResponseCache() && c.getResponseCache().getEnable(), null);
    }

    public static VersionPolicy versionPolicy(ModelVersionPolicy p) {
        return switch (p.getPolicyChoiceCase()) {
            case ALL -> new VersionPolicy.All();
            case SPECIFIC -> new VersionPolicy.Specific(java.util.Set.copyOf(p.getSpecific().getVersionsList()));
            case LATEST -> new VersionPolicy.Latest(Math.max(1, p.getLatest().getNumVersions()));
            case POLICYCHOICE_NOT_SET -> new VersionPolicy.Latest(1);
        };
    }

    private static IoSpec input(ModelInput in) {
        return new IoSpec(in.getName(), dataType(in.getName(), in.getDataTypeValue()),
                IoValidator.toArray(in.getDimsList()), reshape(in.hasReshape(), in.getReshape()), in.getOptional());
    }

    private static IoSpec output(ModelOutput out) {
        return new IoSpec(out.getName(), dataType(out.getName(), out.getDataTypeValue()),
                IoValidator.toArray(out.getDimsList()), reshape(out.hasReshape(), out.getReshape()), false);
    }

    private static long[] reshape(boolean present, ModelTensorReshape r) {
        return present ? IoValidator.toArray(r.getShapeList()) : null;
    }

    private static DataType dataType(String tensor, int number) {
        DataType t = DataType.fromConfigNumber(number);
        if (t == null) {
            throw new IllegalArgumentException("tensor '" + tensor + "': data_type " + number
                    + " (expected: a TYPE_* other than TYPE_INVALID)");
        }
        return t;
    }

    private static InstanceGroupSpec group(ModelInstanceGroup g) {
        InstanceGroupSpec.Kind kind = switch (g.getKind()) {
            case KIND_GPU -> InstanceGroupSpec.Kind.GPU;
            case KIND_CPU -> InstanceGroupSpec.Kind.CPU;
            case KIND_MODEL -> InstanceGroupSpec.Kind.MODEL;
            case KIND_AUTO -> InstanceGroupSpec.Kind.AUTO;
            case UNRECOGNIZED -> throw new IllegalArgumentException("instance_group '" + g.getName() + "': kind "
                    + g.getKindValue() + " (expected: KIND_AUTO, KIND_GPU, KIND_CPU or KIND_MODEL)");
        };
        return new InstanceGroupSpec(g.getName(), g.getCount(), kind, g.getGpusList());
    }

    /** Missing preferred sizes become [max_batch_size], as Triton normalises them. */
    private static DynamicBatchingSpec dynamicBatching(ModelDynamicBatching db, int maxBatchSize) {
        List<Integer> preferred = db.getPreferredBatchSizeCount() == 0
                ? List.of(maxBatchSize) : db.getPreferredBatchSizeList();
        Map<Integer, QueuePolicySpec> perLevel = new HashMap<>();
        for (Map.Entry<Long, ModelQueuePolicy> e : db.getPriorityQueuePolicyMap().entrySet()) {
            perLevel.put(Math.toIntExact(e.getKey()), queuePolicy(e.getValue()));
        }
        return new DynamicBatchingSpec(preferred, db.getMaxQueueDelayMicroseconds(), db.getPreserveOrdering(),
                Math.toIntExact(db.getPriorityLevels()), Math.toIntExact(db.getDefaultPriorityLevel()),
                db.hasDefaultQueuePolicy() ? queuePolicy(db.getDefaultQueuePolicy()) : QueuePolicySpec.DEFAULT,
                perLevel);
    }

    private static QueuePolicySpec queuePolicy(ModelQueuePolicy p) {
        QueuePolicySpec.TimeoutAction action = p.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.DELAY
                ? QueuePolicySpec.TimeoutAction.DELAY : QueuePolicySpec.TimeoutAction.REJECT;
        return new QueuePolicySpec(action, p.getDefaultTimeoutMicroseconds(), p.getAllowTimeoutOverride(),
                p.getMaxQueueSize());
    }
}
