package io.tensorline.server.config;

import java.util.List;
import java.util.Map;

/** {@code ensemble_scheduling} after validation: the steps of the pipeline, in config order. */
public record EnsembleSpec(List<Step> steps) {

    public EnsembleSpec {
        steps = List.copyOf(steps);
    }

    /**
     * @param modelVersion -1 for the latest ready version
     * @param inputMap     composing model input name to ensemble tensor name
     * @param outputMap    composing model output name to ensemble tensor name
     */
    public record Step(String modelName, long modelVersion, Map<String, String> inputMap,
                       Map<String, String> outputMap) {
        public Step {
            inputMap = Map.copyOf(inputMap);
            outputMap = Map.copyOf(outputMap);
        }
    }
}
