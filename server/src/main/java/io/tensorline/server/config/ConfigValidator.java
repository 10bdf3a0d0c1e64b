package io.tensorline.server.config;

import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelVersionPolicy;

import java.util.List;

/**
 * Rejects configs the server cannot serve as written, with messages that name the model, the field and what was
 * expected, e.g. {@code "model 'm': max_batch_size: -1 (expected: >= 0)"}. Works on completed configs (see
 * {@link ConfigAutoCompleter}). Stateless after construction and thread-safe.
 */
public final class ConfigValidator {

    private final int gpuCount;
    private final boolean autoComplete;

    /**
     * @param gpuCount     GPUs on this machine
     * @param autoComplete false for {@code --strict-model-config}: config.pbtxt must then list inputs and outputs
     */
    public ConfigValidator(int gpuCount, boolean autoComplete) {
        if (gpuCount < 0) {
            throw new IllegalArgumentException("gpuCount: " + gpuCount + " (expected: >= 0)");
        }
        this.gpuCount = gpuCount;
        this.autoComplete = autoComplete;
    }

    /**
     * The rules that need no loaded model: name, max_batch_size, scheduler, version policy, instance groups and
     * the tensors the config declares (which must be listed at all only when auto-complete is off). Run before any
     * instance is created, so a model asking for a missing GPU never reaches the engine.
     */
    public void validateBeforeLoad(ModelConfig config, String directoryName) throws ConfigException {
        validateName(config, directoryName);
        String model = config.getName();
        if (config.getMaxBatchSize() < 0) {
            throw ConfigException.of(model, "max_batch_size: %d (expected: >= 0)", config.getMaxBatchSize());
        }
        SequenceBatchingConfig.validate(config);
        EnsembleConfig.validate(config);
        validateVersionPolicy(model, config.getVersionPolicy());
        if (!EnsembleConfig.isEnsemble(config)) { // an ensemble runs no instance of its own
            InstanceGroupValidator.validate(config, gpuCount);
        }
        IoValidator.validateDeclarations(config, !autoComplete);
    }

    /** The config's {@code name} must be the model directory's. */
    public void validateName(ModelConfig config, String directoryName) throws ConfigException {
        if (!config.getName().equals(directoryName)) {
            throw ConfigException.of(directoryName, "name: '%s' (expected: the directory name '%s')",
                    config.getName(), directoryName);
        }
    }

    /**
     * Every rule: those of {@link #validateBeforeLoad}, the tensor declarations, the declarations against what the
     * loaded model reports (names, datatypes, shapes), and dynamic batching.
     */
    public void validate(ModelConfig config, String directoryName, List<TensorSpec> modelInputs,
                         List<TensorSpec> modelOutputs) throws ConfigException {
        validateBeforeLoad(config, directoryName);
        IoValidator.validateDeclarations(config, true);
        IoValidator.validateAgainstModel(config, modelInputs, modelOutputs);
        DynamicBatchingValidator.validate(config);
    }

    private static void validateVersionPolicy(String model, ModelVersionPolicy policy) throws ConfigException {
        switch (policy.getPolicyChoiceCase()) {
            case LATEST -> {
                long n = Integer.toUnsignedLong(policy.getLatest().getNumVersions());
                if (n < 1 || n > Integer.MAX_VALUE) {
                    throw ConfigException.of(model, "version_policy.latest.num_versions: %d (expected: >= 1)", n);
                }
            }
            case SPECIFIC -> {
                List<Long> versions = policy.getSpecific().getVersionsList();
                if (versions.isEmpty()) {
                    throw ConfigException.of(model, "version_policy.specific.versions: [] (expected: at least one "
                            + "version)");
                }
                for (long v : versions) {
                    if (v < 1) {
                        throw ConfigException.of(model, "version_policy.specific.versions: %d (expected: >= 1)", v);
                    }
                }
            }
            case ALL -> {
            }
            default -> throw ConfigException.of(model, "version_policy: empty (expected: latest, all or specific)");
        }
    }
}
