package io.tensorline.server.testing;

import io.tensorline.engine.DataType;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Shapes;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelVersionPolicy;
import io.tensorline.server.config.InstanceGroupSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelDocument;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.VersionPolicy;
import io.tensorline.server.repository.ModelVersion;
import io.tensorline.server.scheduler.DirectScheduler;
import io.tensorline.server.scheduler.Scheduler;

import java.util.List;
import java.util.Map;

/**
 * Builds ready {@link ModelVersion}s over {@link FakeModels}: a spec, the matching completed {@link ModelConfig}
 * (as the repository would report it) and a real {@link DirectScheduler} with one instance. The scheduler's thread
 * stops when the registry holding the version is closed.
 */
public final class TestModelVersions {

    private TestModelVersions() {
    }

    /** {@code INPUT0 -> OUTPUT0} of one type; {@code dims} exclude the batch dimension. */
    public static ModelVersion identity(String name, long version, DataType type, int maxBatchSize, long... dims) {
        IoSpec in = new IoSpec("INPUT0", type, dims, null, false);
        IoSpec out = new IoSpec("OUTPUT0", type, dims, null, false);
        return build(name, version, maxBatchSize, List.of(in), List.of(out),
                FakeModels.identity(type, full(maxBatchSize, dims)));
    }

    /** The same version with config {@code parameters} (string values). */
    public static ModelVersion withParameters(ModelVersion v, Map<String, String> parameters) {
        ModelSpec s = v.spec();
        return new ModelVersion(new ModelSpec(s.name(), s.platform(), s.backend(), s.maxBatchSize(), s.inputs(),
                s.outputs(), s.instanceGroups(), s.dynamicBatching(), s.versionPolicy(), s.modelFileName(), parameters),
                v.version(), v.completedConfig(), v.scheduler());
    }

    /**
     * Like {@link #identity} but served by {@code scheduler} instead of a {@link DirectScheduler}, for tests that
     * decide themselves when a request completes.
     */
    public static ModelVersion identityOn(Scheduler scheduler, String name, DataType type, int maxBatchSize,
                                          long... dims) {
        ModelSpec spec = spec(name, maxBatchSize, List.of(new IoSpec("INPUT0", type, dims, null, false)),
                List.of(new IoSpec("OUTPUT0", type, dims, null, false)));
        return new ModelVersion(spec, 1, ModelDocument.of(config(spec)), scheduler);
    }

    /** FP32 {@code INPUT0, INPUT1 -> OUTPUT0 = sum, OUTPUT1 = difference}. */
    public static ModelVersion addSub(String name, long version, int maxBatchSize, long... dims) {
        List<IoSpec> in = List.of(new IoSpec("INPUT0", DataType.FP32, dims, null, false),
                new IoSpec("INPUT1", DataType.FP32, dims, null, false));
        List<IoSpec> out = List.of(new IoSpec("OUTPUT0", DataType.FP32, dims, null, false),
                new IoSpec("OUTPUT1", DataType.FP32, dims, null, false));
        return build(name, version, maxBatchSize, in, out, FakeModels.addSub(full(maxBatchSize, dims)));
    }

    /** An identity-shaped model whose engine fails every execution with {@code message}. */
    public static ModelVersion failing(String name, DataType type, String message, long... dims) {
        IoSpec in = new IoSpec("INPUT0", type, dims, null, false);
        IoSpec out = new IoSpec("OUTPUT0", type, dims, null, false);
        return build(name, 1, 0, List.of(in), List.of(out), FakeModels.failing(type, dims, message));
    }

    private static long[] full(int maxBatchSize, long[] dims) {
        return maxBatchSize > 0 ? Shapes.prepend(-1, dims) : dims;
    }

    private static ModelVersion build(String name, long version, int maxBatchSize, List<IoSpec> inputs,
                                      List<IoSpec> outputs, LoadedModel instance) {
        ModelSpec spec = spec(name, maxBatchSize, inputs, outputs);
        DirectScheduler scheduler = new DirectScheduler(name + "-" + version, List.of(instance), 64);
        return new ModelVersion(spec, version, ModelDocument.of(config(spec)), scheduler);
    }

    private static ModelSpec spec(String name, int maxBatchSize, List<IoSpec> inputs, List<IoSpec> outputs) {
        InstanceGroupSpec group = new InstanceGroupSpec(name + "_0", 1, InstanceGroupSpec.Kind.CPU, List.of());
        return new ModelSpec(name, "fake_platform", "fake", maxBatchSize, inputs, outputs, List.of(group), null,
                new VersionPolicy.All(), "model.fake", Map.of());
    }

    /** The completed config a repository would report for {@code spec}. */
    public static ModelConfig config(ModelSpec spec) {
        ModelConfig.Builder b = ModelConfig.newBuilder()
                .setName(spec.name())
                .setPlatform(spec.platform())
                .setBackend(spec.backend())
                .setMaxBatchSize(spec.maxBatchSize())
                .setVersionPolicy(ModelVersionPolicy.newBuilder().setAll(ModelVersionPolicy.All.getDefaultInstance()))
                .setDefaultModelFilename(spec.modelFileName());
        for (IoSpec io : spec.inputs()) {
            b.addInput(ModelInput.newBuilder().setName(io.name()).setDataType(protoType(io.dataType()))
                    .addAllDims(boxed(io.dims())));
        }
        for (IoSpec io : spec.outputs()) {
            b.addOutput(ModelOutput.newBuilder().setName(io.name()).setDataType(protoType(io.dataType()))
                    .addAllDims(boxed(io.dims())));
        }
        for (InstanceGroupSpec g : spec.instanceGroups()) {
            b.addInstanceGroup(ModelInstanceGroup.newBuilder().setName(g.name()).setCount(g.count())
                    .setKind(ModelInstanceGroup.Kind.KIND_CPU));
        }
        return b.build();
    }

    private static io.tensorline.proto.DataType protoType(DataType type) {
        return io.tensorline.proto.DataType.forNumber(type.configNumber());
    }

    private static List<Long> boxed(long[] dims) {
        return java.util.Arrays.stream(dims).boxed().toList();
    }
}
