package io.tensorline.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine needs to create one instance of one model version.
 *
 * @param modelName      the model's name, for messages
 * @param version        the version number
 * @param modelPath      the model file or directory inside the version folder
 * @param device         where this instance runs
 * @param parameters     the {@code parameters} of config.pbtxt (string values)
 * @param inputs         inputs declared in config.pbtxt with full shapes (batch dimension included when
 *                       {@code maxBatchSize > 0}); empty when the config declares none
 * @param outputs        outputs declared in config.pbtxt, as for inputs
 * @param maxBatchSize   the configured max batch size, or -1 when the config does not say
 * @param instanceCount  how many instances of this model version the server creates in total, so an engine can
 *                       size its thread pools without oversubscribing the cores
 */
public record LoadRequest(String modelName, long version, Path modelPath, Device device,
                          Map<String, String> parameters, List<TensorSpec> inputs, List<TensorSpec> outputs,
                          int maxBatchSize, int instanceCount) {

    public LoadRequest {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(modelPath, "modelPath");
        Objects.requireNonNull(device, "device");
        parameters = Map.copyOf(parameters);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (instanceCount < 1) {
            throw new IllegalArgumentException("instanceCount: " + instanceCount + " (expected: >= 1)");
        }
    }

    /** Convenience for tools and tests: a CPU instance with nothing declared. */
    public static LoadRequest of(String modelName, Path modelPath) {
        return new LoadRequest(modelName, 1, modelPath, Device.CPU, Map.of(), List.of(), List.of(), -1, 1);
    }

    public String parameter(String key, String fallback) {
        return parameters.getOrDefault(key, fallback);
    }

    /**
     * A thread-count parameter: an integer >= 0 (0 lets the engine choose), or {@code fallback} when absent.
     *
     * @throws EngineException naming the model, the parameter and what was expected, for any other value
     */
    public int threadCountParameter(String key, int fallback) throws EngineException {
        String value = parameters.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int count = Integer.parseInt(value.trim());
            if (count >= 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EngineException("model '" + modelName + "': parameter " + key + ": '" + value
                + "' (expected: an integer >= 0; 0 lets the engine choose)");
    }
}
