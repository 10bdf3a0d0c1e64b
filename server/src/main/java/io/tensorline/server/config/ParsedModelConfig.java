package io.tensorline.server.config;

import io.tensorline.proto.ModelConfig;

import java.util.Objects;

/**
 * A config.pbtxt as written, before auto-completion.
 *
 * @param maxBatchSizeGiven whether the file sets {@code max_batch_size} at all; proto3 cannot tell an explicit 0
 *                          from an absent field, and only an absent one may be completed from the model
 */
public record ParsedModelConfig(ModelConfig config, boolean maxBatchSizeGiven) {

    public ParsedModelConfig {
        Objects.requireNonNull(config, "config");
    }
}
