package io.tensorline.server.config;

import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelEnsembling;
import io.tensorline.proto.ModelVersionPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The config steps of a load, in the order the loader runs them, on {@link ModelDocument}s so that the generated
 * types stay in this package: {@link #prepare} (identity, engine, defaults, checks before any instance loads),
 * {@link #completeFromModel} once the first instance reports its tensors, and {@link #withRunTimeSettings} for a
 * change applied to a running version. Stateless after construction and thread-safe.
 */
public final class ConfigPipeline {

    /** Finds the engine for a completed platform and backend (the repository's engine registry). */
    @FunctionalInterface
    public interface EngineLookup {
        EngineProvider providerFor(String model, String platform, String backend) throws ConfigException;
    }

    /**
     * A model ready to load its versions.
     *
     * @param config            completed except for what only the model can tell
     * @param maxBatchSizeGiven whether the config sets max_batch_size
     * @param engine            null for an ensemble
     * @param identity          the config as given, to tell a config change from a version change
     * @param ensemble          an ensemble's checked spec, else null
     */
    public record Prepared(ModelDocument config, boolean maxBatchSizeGiven, EngineProvider engine,
                           VersionPolicy versionPolicy, String identity, ModelSpec ensemble) {
    }

    /** A version's config once its model told what it declares: the served document and its spec. */
    public record Completed(ModelDocument config, ModelSpec spec) {
    }

    private final ConfigAutoCompleter completer;
    private final ConfigValidator validator;

    public ConfigPipeline(List<EngineProvider> providers, int gpuCount, boolean autoComplete) {
        this.completer = new ConfigAutoCompleter(providers, gpuCount, autoComplete);
        this.validator = new ConfigValidator(gpuCount, autoComplete);
    }

    public boolean autoComplete() {
        return completer.autoComplete();
    }

    /** The models an ensemble's steps name, or null when the config is not an ensemble's. */
    public static List<String> ensembleDependencies(ParsedModelConfig parsed) {
        ModelConfig config = parsed.config();
        if (!EnsembleConfig.isEnsemble(config)) {
            return null;
        }
        return config.getEnsembleScheduling().getStepList().stream().map(ModelEnsembling.Step::getModelName)
                .distinct().toList();
    }

    /**
     * @param firstVersionDir the lowest-numbered version folder, for detecting the backend from its files
     * @throws ConfigException        naming the model and what is wrong
     * @throws RuntimeException       for values the config messages cannot hold (the loader words them)
     */
    public Prepared prepare(String name, ParsedModelConfig parsed, Path firstVersionDir, EngineLookup engines)
            throws ConfigException {
        ModelConfig raw = parsed.config().getName().isEmpty()
                ? parsed.config().toBuilder().setName(name).build() : parsed.config();
        ModelConfig config = completer.completeIdentity(raw, name, firstVersionDir);
        validator.validateName(config, name);
        EngineProvider engine = engines.providerFor(config.getName(), config.getPlatform(), config.getBackend());
        config = completer.completeDefaults(config, engine);
        validator.validateBeforeLoad(config, name);
        return new Prepared(ModelDocument.of(config), parsed.maxBatchSizeGiven(), engine,
                ModelSpecs.versionPolicy(config.getVersionPolicy()), parsed.maxBatchSizeGiven() + "\n" + raw, null);
    }

    /**
     * Checks an ensemble against the models it names, as they are loaded now.
     *
     * @param loaded the completed spec of a model's latest ready version, or null when it has none
     */
    public Prepared prepareEnsemble(String name, ParsedModelConfig parsed, Function<String, ModelSpec> loaded)
            throws ConfigException {
        ModelConfig.Builder b = parsed.config().toBuilder();
        if (b.getName().isEmpty()) {
            b.setName(name);
        }
        if (!b.hasVersionPolicy()) {
            b.setVersionPolicy(ModelVersionPolicy.newBuilder()
                    .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)));
        }
        ModelConfig config = b.build();
        validator.validateBeforeLoad(config, name);
        if (config.getInputCount() == 0 || config.getOutputCount() == 0) {
            throw ConfigException.of(name, "input/output: %d inputs, %d outputs (expected: an ensemble "
                    + "lists its inputs and outputs in config.pbtxt)", config.getInputCount(),
                    config.getOutputCount());
        }
        EnsembleConfig.validateAgainst(config, loaded);
        ModelSpec spec = ModelSpecs.from(config).withEnsemble(EnsembleConfig.spec(config));
        return new Prepared(ModelDocument.of(config), parsed.maxBatchSizeGiven(), null,
                ModelSpecs.versionPolicy(config.getVersionPolicy()), "ensemble\n" + parsed.config(), spec);
    }

    /**
     * Completes and checks a version's config from its first loaded instance. Control and state tensors are the
     * sequence batcher's to fill: requests neither send nor see them, so they are left out of what completes the
     * config.
     *
     * @param modelDir the model folder (relative paths in the config start there)
     */
    public Completed completeFromModel(ModelDocument prepared, boolean maxBatchSizeGiven,
                                       List<TensorSpec> modelInputs, List<TensorSpec> modelOutputs, Path modelDir)
            throws ConfigException {
        ModelConfig config = prepared.config();
        String model = config.getName();
        SequenceTensors own = SequenceTensors.of(config);
        ModelConfig completed = completer.completeFromModel(config, maxBatchSizeGiven,
                own.requestInputs(modelInputs), own.requestOutputs(modelOutputs));
        validator.validate(completed, model, own.requestInputs(modelInputs), modelOutputs);
        ModelSpec spec = ModelSpecs.from(completed);
        if (completed.hasSequenceBatching()) {
            SequenceBatchingSpec sequence = SequenceBatchingConfig.from(completed, modelDir);
            SequenceBatchingConfig.validateAgainstModel(model, sequence, modelInputs, modelOutputs);
            spec = spec.withSequenceBatching(sequence);
        }
        return new Completed(ModelDocument.of(completed), spec);
    }

    /**
     * A running version's config after a change that applies in place ({@link ConfigChange#inPlace()}): its
     * served document with the instance groups and dynamic batching of {@code prepared}, and its spec to match.
     */
    public static Completed withRunTimeSettings(Completed running, ModelDocument prepared) {
        ModelConfig next = prepared.config();
        ModelConfig.Builder b = running.config().config().toBuilder()
                .clearInstanceGroup().addAllInstanceGroup(next.getInstanceGroupList());
        if (next.hasDynamicBatching()) {
            b.setDynamicBatching(next.getDynamicBatching());
        } else {
            b.clearDynamicBatching();
        }
        ModelConfig completed = b.build();
        ModelSpec fresh = ModelSpecs.from(completed);
        ModelSpec spec = running.spec().withRunTimeSettings(fresh.instanceGroups(), fresh.dynamicBatching());
        return new Completed(ModelDocument.of(completed), spec);
    }
}
