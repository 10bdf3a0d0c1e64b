package io.tensorline.server.core;

import io.tensorline.engine.Tensor;

import java.util.List;

/**
 * The answer to one request: the outputs asked for, in the order asked (or the model's order when all were).
 *
 * @param modelVersion the version that ran, as a string
 */
public record InferenceResponse(String modelName, String modelVersion, String id, List<Tensor> outputs) {
}
