package io.tensorline.server.config;

import io.tensorline.engine.Tensor;

import java.util.List;

/**
 * One {@code model_warmup} sample, built at load time: the tensors one execution gets, run {@code count} times
 * (at least once) on every instance before it serves.
 */
public record WarmupSample(String name, int count, List<Tensor> inputs) {

    public WarmupSample {
        inputs = List.copyOf(inputs);
    }

    /** Triton's words for a sample that cannot be built or run. */
    public static ConfigException failed(String sample, String why) {
        return new ConfigException("failed to run warmup sample '" + sample + "': " + why);
    }
}
