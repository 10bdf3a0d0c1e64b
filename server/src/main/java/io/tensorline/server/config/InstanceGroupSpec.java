package io.tensorline.server.config;

import java.util.List;

/**
 * One {@code instance_group} entry after normalisation.
 *
 * @param count instances per listed GPU (KIND_GPU) or in total (KIND_CPU)
 * @param gpus  GPU ids for KIND_GPU; empty otherwise
 */
public record InstanceGroupSpec(String name, int count, Kind kind, List<Integer> gpus) {

    public enum Kind { AUTO, GPU, CPU, MODEL }

    public InstanceGroupSpec {
        gpus = List.copyOf(gpus);
    }
}
