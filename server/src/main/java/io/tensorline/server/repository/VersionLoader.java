package io.tensorline.server.repository;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelTensorReshape;
import io.tensorline.server.config.ConfigAutoCompleter;
import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.ConfigValidator;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.ModelSpecs;
import io.tensorline.server.config.SequenceBatchingConfig;
import io.tensorline.server.config.SequenceBatchingSpec;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.scheduler.SchedulerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads one version of a model: the first instance, whose declared tensors complete and check the config, then the
 * other instances, then their warmup ({@code model_warmup}), then the scheduler that owns them. On any failure the instances created so far are closed.
 */
final class VersionLoader {

    private final ConfigAutoCompleter completer;
    private final ConfigValidator validator;
    private final SchedulerFactory schedulers;

    VersionLoader(ConfigAutoCompleter completer, ConfigValidator validator, SchedulerFactory schedulers) {
        this.completer = completer;
        this.validator = validator;
        this.schedulers = schedulers;
    }

    /**
     * @param config            completed except for what only the model can tell (see
     *                          {@link ConfigAutoCompleter#completeFromModel})
     * @param maxBatchSizeGiven whether config.pbtxt sets max_batch_size
     */
    ModelVersion load(ModelConfig config, boolean maxBatchSizeGiven, EngineProvider engine, long version,
                      Path versionDir) throws ConfigException, EngineException {
        String model = config.getName();
        Path modelPath = versionDir.resolve(config.getDefaultModelFilename());
        if (!Files.exists(modelPath)) {
            throw new ConfigException(String.format("model '%s' version %d: model file %s does not exist "
                    + "(expected: '%s' in %s, or default_model_filename naming the file)", model, version, modelPath,
                    config.getDefaultModelFilename(), versionDir));
        }
        List<Device> devices = devices(config);
        // Every instance gets the same request, built from what the config declares: the first instance loads
        // before the model's own metadata has completed the config.
        boolean batchKnown = maxBatchSizeGiven || !completer.autoComplete();
        List<LoadedModel> instances = new ArrayList<>(devices.size());
        try {
            instances.add(engine.load(request(config, batchKnown, version, modelPath, devices.get(0), devices.size())));
            LoadedModel first = instances.get(0);
            // control and state tensors are the sequence batcher's to fill: requests neither send nor see them
            SequenceTensors own = SequenceTensors.of(config);
            ModelConfig completed = completer.completeFromModel(config, maxBatchSizeGiven,
                    own.requestInputs(first.inputs()), own.requestOutputs(first.outputs()));
            validator.validate(completed, model, own.requestInputs(first.inputs()), first.outputs());
            ModelSpec spec = ModelSpecs.from(completed);
            if (completed.hasSequenceBatching()) {
                SequenceBatchingSpec sequence = SequenceBatchingConfig.from(completed, versionDir.getParent());
                SequenceBatchingConfig.validateAgainstModel(model, sequence, first.inputs(), first.outputs());
                spec = spec.withSequenceBatching(sequence);
            }
            for (Device device : devices.subList(1, devices.size())) {
                instances.add(engine.load(request(config, batchKnown, version, modelPath, device, devices.size())));
            }
            // every instance warms up before the version can be READY (Triton runs warmup per instance too)
            Warmup.run(completed, versionDir.getParent(), instances);
            Map<String, List<String>> labels = OutputLabels.read(completed, versionDir.getParent());
            Scheduler scheduler = schedulers.create(spec, version, instances);
            return new ModelVersion(spec, version, completed, scheduler, labels, engine.bytesElementCheck());
        } catch (ConfigException | EngineException | RuntimeException | Error e) {
            instances.forEach(VersionLoader::closeQuietly);
            throw e;
        }
    }

    /** One device per instance: KIND_GPU gives {@code count} instances on each listed GPU. */
    static List<Device> devices(ModelConfig config) {
        List<Device> devices = new ArrayList<>();
        for (ModelInstanceGroup g : config.getInstanceGroupList()) {
            if (g.getKind() == ModelInstanceGroup.Kind.KIND_GPU) {
                for (int gpu : g.getGpusList()) {
                    for (int i = 0; i < g.getCount(); i++) {
                        devices.add(Device.gpu(gpu));
                    }
                }
            } else {
                // KIND_CPU, and KIND_MODEL, whose placement the engine decides from the CPU default
                for (int i = 0; i < g.getCount(); i++) {
                    devices.add(Device.CPU);
                }
            }
        }
        return devices;
    }

    private static LoadRequest request(ModelConfig config, boolean batchKnown, long version, Path modelPath,
                                       Device device, int instanceCount) {
        Map<String, String> parameters = new LinkedHashMap<>();
        config.getParametersMap().forEach((k, v) -> parameters.put(k, v.getStringValue()));
        List<TensorSpec> inputs = new ArrayList<>();
        List<TensorSpec> outputs = new ArrayList<>();
        int mbs = batchKnown ? config.getMaxBatchSize() : -1;
        if (batchKnown) { // without max_batch_size the declared dims cannot be turned into full shapes
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

    private static void closeQuietly(LoadedModel m) {
        try {
            m.close();
        } catch (RuntimeException ignored) {
            // the load already failed; that failure is the one to report
        }
    }
}
