package io.tensorline.server.config;

import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelVersionPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Fills in what config.pbtxt leaves out, in three steps that follow the loader: what is needed to pick an engine
 * ({@link #completeIdentity}), what the engine decides without the model ({@link #completeDefaults}), and what only
 * a loaded model can tell ({@link #completeFromModel}). Each step returns a new config; the result of the last one
 * is what the ModelConfig API reports.
 *
 * <p>Unlike Triton, auto-completion never turns on {@code dynamic_batching}: Triton does so for auto-completed
 * models with max_batch_size > 1, but a scheduler the user did not ask for changes latency and ordering silently.
 * A model is dynamically batched only when its config says {@code dynamic_batching { }}.
 *
 * <p>Stateless after construction and thread-safe.
 */
public final class ConfigAutoCompleter {

    /** Triton's {@code --backend-config=default-max-batch-size}. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 4;

    private final BackendDetector backends;
    private final int gpuCount;
    private final boolean autoComplete;

    /**
     * @param providers    the engines available, for detecting and mapping platform and backend
     * @param gpuCount     GPUs on this machine, for KIND_AUTO and default instance groups
     * @param autoComplete false for {@code --strict-model-config}: inputs, outputs and max_batch_size are then
     *                     taken as written; names, engines and instance groups are still filled in
     */
    public ConfigAutoCompleter(List<EngineProvider> providers, int gpuCount, boolean autoComplete) {
        if (gpuCount < 0) {
            throw new IllegalArgumentException("gpuCount: " + gpuCount + " (expected: >= 0)");
        }
        this.backends = new BackendDetector(Objects.requireNonNull(providers, "providers"));
        this.gpuCount = gpuCount;
        this.autoComplete = autoComplete;
    }

    /**
     * Sets {@code name} from the directory when empty (a different name is left for the validator to reject) and
     * completes {@code platform} and {@code backend}.
     *
     * @param firstVersionDir the lowest-numbered version folder, where the model file is looked for when neither
     *                        platform nor backend is given; may be null
     */
    public ModelConfig completeIdentity(ModelConfig config, String directoryName, Path firstVersionDir) {
        ModelConfig named = config.getName().isEmpty() ? config.toBuilder().setName(directoryName).build() : config;
        return backends.complete(named, directoryName, firstVersionDir);
    }

    /** Version policy, model file name and instance groups: defaults that do not need the model itself. */
    public ModelConfig completeDefaults(ModelConfig config, EngineProvider provider) {
        ModelConfig.Builder b = config.toBuilder();
        if (config.getVersionPolicy().getPolicyChoiceCase()
                == ModelVersionPolicy.PolicyChoiceCase.POLICYCHOICE_NOT_SET) {
            b.setVersionPolicy(ModelVersionPolicy.newBuilder()
                    .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)));
        }
        if (config.getDefaultModelFilename().isEmpty()) {
            b.setDefaultModelFilename(provider.defaultModelFileName());
        }
        b.clearInstanceGroup().addAllInstanceGroup(InstanceGroupCompleter.complete(config.getName(),
                config.getInstanceGroupList(), provider.defaultCpuInstanceCount(), gpuCount));
        return b.build();
    }

    /**
     * Completes max_batch_size, inputs and outputs from the model's own declarations (full shapes). When
     * max_batch_size is not in the file and every model input and output has a variable first dimension, the
     * model batches with {@link #DEFAULT_MAX_BATCH_SIZE} and that dimension is left out of {@code dims}. Inputs
     * (or outputs) are taken from the model only when the config lists none. A no-op in strict mode.
     *
     * @param maxBatchSizeGiven whether config.pbtxt sets max_batch_size (an explicit 0 is kept)
     */
    public ModelConfig completeFromModel(ModelConfig config, boolean maxBatchSizeGiven, List<TensorSpec> modelInputs,
                                         List<TensorSpec> modelOutputs) {
        if (!autoComplete) {
            return config;
        }
        return ModelIoCompleter.complete(config, maxBatchSizeGiven, modelInputs, modelOutputs,
                DEFAULT_MAX_BATCH_SIZE);
    }

    public boolean autoComplete() {
        return autoComplete;
    }

    public int gpuCount() {
        return gpuCount;
    }
}
