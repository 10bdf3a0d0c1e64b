package io.tensorline.server.core;

import io.tensorline.engine.TensorSpec;

import java.util.List;

/**
 * What ModelMetadata reports: full API shapes, with a leading -1 for the batch dimension when the model batches.
 *
 * @param versions the ready versions, as strings
 */
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorSpec> inputs,
                            List<TensorSpec> outputs) {
}
