package io.tensorline.server.config;

import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInstanceGroup;

/** Checks completed instance groups against the machine: counts, kinds and the GPUs they ask for. */
final class InstanceGroupValidator {

    private InstanceGroupValidator() {
    }

    static void validate(ModelConfig config, int gpuCount) throws ConfigException {
        String model = config.getName();
        if (config.getInstanceGroupCount() == 0) {
            throw ConfigException.of(model, "instance_group: none (expected: at least one group)");
        }
        for (ModelInstanceGroup g : config.getInstanceGroupList()) {
            String name = g.getName();
            if (g.getCount() < 1) {
                throw ConfigException.of(model, "instance_group '%s': count: %d (expected: >= 1)", name,
                        g.getCount());
            }
            switch (g.getKind()) {
                case KIND_CPU, KIND_MODEL -> {
                    if (g.getGpusCount() > 0) {
                        throw ConfigException.of(model, "instance_group '%s': gpus: %s (expected: none for %s)",
                                name, g.getGpusList(), g.getKind());
                    }
                }
                case KIND_GPU -> checkGpus(model, g, gpuCount);
                default -> throw ConfigException.of(model, "instance_group '%s': kind: %s (expected: KIND_CPU, "
                        + "KIND_GPU, KIND_MODEL or KIND_AUTO)", name, g.getKindValue());
            }
        }
    }

    private static void checkGpus(String model, ModelInstanceGroup g, int gpuCount) throws ConfigException {
        if (g.getGpusCount() == 0) {
            throw ConfigException.of(model, "instance_group '%s' is KIND_GPU but this machine has no GPU",
                    g.getName());
        }
        for (int id : g.getGpusList()) {
            if (id < 0) {
                throw ConfigException.of(model, "instance_group '%s': gpus: %d (expected: >= 0)", g.getName(), id);
            }
            if (id >= gpuCount) {
                throw ConfigException.of(model, "instance_group '%s' asks for GPU %d but this machine has %s",
                        g.getName(), id, gpuCount == 0 ? "no GPU"
                                : "only " + gpuCount + (gpuCount == 1 ? " GPU" : " GPUs"));
            }
        }
    }
}
