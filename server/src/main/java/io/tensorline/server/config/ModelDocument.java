package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelTensorReshape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's config as a document, completed as far as the loader got: the generated {@code ModelConfig} kept
 * inside the config package. Outside it the document is opaque: the loader passes it along and asks it the few
 * things loading needs, and only the transports turn it into a message ({@link #toProto}) for the ModelConfig
 * API. Immutable.
 */
public final class ModelDocument {

    private final ModelConfig config;

    private ModelDocument(ModelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** For the transports and tests: a document of a config message. */
    public static ModelDocument of(ModelConfig config) {
        return new ModelDocument(config);
    }

    /** The ModelConfig message, for the transports (gRPC ModelConfig, REST {@code GET .../config}). */
    public ModelConfig toProto() {
        return config;
    }

    ModelConfig config() {
        return config;
    }

    public String name() {
        return config.getName();
    }

    public String defaultModelFilename() {
        return config.getDefaultModelFilename();
    }

    /**
     * One placement per instance, in instance order: KIND_GPU gives {@code count} instances on each listed GPU,
     * KIND_CPU and KIND_MODEL (whose placement the engine decides from the CPU default) {@code count} on the CPU.
     */
    public List<InstancePlacement> placements() {
        List<InstancePlacement> out = new ArrayList<>();
        for (ModelInstanceGroup g : config.getInstanceGroupList()) {
            if (g.getKind() == ModelInstanceGroup.Kind.KIND_GPU) {
                for (int gpu : g.getGpusList()) {
                    for (int i = 0; i < g.getCount(); i++) {
                        out.add(new InstancePlacement(g.getName(), Device.gpu(gpu)));
                    }
                }
            } else {
                for (int i = 0; i < g.getCount(); i++) {
                    out.add(new InstancePlacement(g.getName(), Device.CPU));
                }
            }
        }
        return out;
    }

    /**
     * What every instance of a version is loaded with, built from what the config declares.
     *
     * @param batchKnown whether max_batch_size is known before the model is loaded (without it the declared
     *                   dims cannot be turned into full shapes, and none are passed)
     */
    public LoadRequest loadRequest(boolean batchKnown, long version, Path modelPath, Device device,
                                   int instanceCount) {
        Map<String, String> parameters = new LinkedHashMap<>();
        config.getParametersMap().forEach((k, v) -> parameters.put(k, v.getStringValue()));
        List<TensorSpec> inputs = new ArrayList<>();
        List<TensorSpec> outputs = new ArrayList<>();
        int mbs = batchKnown ? config.getMaxBatchSize() : -1;
        if (batchKnown) {
            config.getInputList().forEach(in -> inputs.add(spec(in.getName(), in.getDataTypeValue(),
                    in.hasReshape() ? in.getReshape() : null, in.getDimsList(), mbs)));
            config.getOutputList().forEach(out -> outputs.add(spec(out.getName(), out.getDataTypeValue(),
                    out.hasReshape() ? out.getReshape() : null, out.getDimsList(), mbs)));
            // the tensors a sequence batcher feeds or keeps are declared too (TorchScript binds by position)
            addUndeclared(inputs, SequenceTensors.engineInputs(config), mbs);
            addUndeclared(outputs, SequenceTensors.engineOutputs(config), mbs);
        }
        return new LoadRequest(config.getName(), version, modelPath, device, parameters, inputs, outputs, mbs,
                instanceCount);
    }

    private static void addUndeclared(List<TensorSpec> specs, List<SequenceTensors.Declared> extra, int mbs) {
        for (SequenceTensors.Declared d : extra) {
            if (specs.stream().noneMatch(t -> t.name().equals(d.name()))) {
                specs.add(spec(d.name(), d.dataType(), null, d.dims(), mbs));
            }
        }
    }

    /** The shape the engine sees: reshape (or dims), with a leading -1 when the model batches. */
    private static TensorSpec spec(String name, int dataType, ModelTensorReshape reshape, List<Long> dims, int mbs) {
        List<Long> base = reshape != null ? reshape.getShapeList() : dims;
        long[] shape = base.stream().mapToLong(Long::longValue).toArray();
        return new TensorSpec(name, DataType.fromConfigNumber(dataType), mbs > 0 ? Shapes.prepend(-1, shape) : shape);
    }

    /** The {@code model_warmup} samples of a completed config, with their tensors. */
    public List<WarmupSample> warmupSamples(Path modelDir) throws ConfigException {
        return WarmupSamples.of(config, modelDir);
    }

    /** Each output's classification labels ({@code label_filename}), by class index. */
    public Map<String, List<String>> labels(Path modelDir) throws ConfigException {
        return OutputLabels.read(config, modelDir);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelDocument d && config.equals(d.config);
    }

    @Override
    public int hashCode() {
        return config.hashCode();
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
