package io.tensorline.server.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's configuration after parsing, auto-completion and validation: immutable, and free of protobuf types.
 *
 * @param platform        e.g. {@code onnxruntime_onnx}; never empty after completion
 * @param backend         e.g. {@code onnxruntime}; never empty after completion
 * @param maxBatchSize    0 means the model does not batch and shapes carry no implicit batch dimension
 * @param dynamicBatching null when requests go to instances one at a time
 * @param modelFileName   the file or directory looked for inside each version folder
 * @param parameters      config {@code parameters} (string values)
 * @param sequenceBatching null unless the model is stateful ({@code sequence_batching})
 * @param responseCache   whether {@code response_cache { enable: true }} asks for cached responses
 * @param ensemble        the steps of a {@code platform: "ensemble"} model, else null
 */
public record ModelSpec(String name, String platform, String backend, int maxBatchSize, List<IoSpec> inputs,
                        List<IoSpec> outputs, List<InstanceGroupSpec> instanceGroups,
                        DynamicBatchingSpec dynamicBatching, VersionPolicy versionPolicy, String modelFileName,
                        Map<String, String> parameters, SequenceBatchingSpec sequenceBatching,
                        boolean responseCache, EnsembleSpec ensemble) {

    /** A model with neither sequence batching nor response cache. */
    public ModelSpec(String name, String platform, String backend, int maxBatchSize, List<IoSpec> inputs,
                     List<IoSpec> outputs, List<InstanceGroupSpec> instanceGroups,
                     DynamicBatchingSpec dynamicBatching, VersionPolicy versionPolicy, String modelFileName,
                     Map<String, String> parameters) {
        this(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups, dynamicBatching, versionPolicy,
                modelFileName, parameters, null, false, null);
    }

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        instanceGroups = List.copyOf(instanceGroups);
        parameters = Map.copyOf(parameters);
    }

    public ModelSpec withSequenceBatching(SequenceBatchingSpec sequence) {
        return new ModelSpec(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups, dynamicBatching,
                versionPolicy, modelFileName, parameters, sequence, responseCache, ensemble);
    }

    public ModelSpec withEnsemble(EnsembleSpec steps) {
        return new ModelSpec(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups, dynamicBatching,
                versionPolicy, modelFileName, parameters, sequenceBatching, responseCache, steps);
    }

    /** The same model with other instance groups and dynamic batching (a change applied in place). */
    public ModelSpec withRunTimeSettings(List<InstanceGroupSpec> groups, DynamicBatchingSpec batching) {
        return new ModelSpec(name, platform, backend, maxBatchSize, inputs, outputs, groups, batching,
                versionPolicy, modelFileName, parameters, sequenceBatching, responseCache, ensemble);
    }

    public boolean batches() {
        return maxBatchSize > 0;
    }

    public IoSpec input(String inputName) {
        for (IoSpec s : inputs) {
            if (s.name().equals(inputName)) {
                return s;
            }
        }
        return null;
    }

    public IoSpec output(String outputName) {
        for (IoSpec s : outputs) {
            if (s.name().equals(outputName)) {
                return s;
            }
        }
        return null;
    }
}
