package io.tensorline.server.config;

import io.tensorline.proto.ModelInstanceGroup;

import java.util.ArrayList;
import java.util.List;

/** Triton's instance-group normalisation: names, counts and KIND_AUTO resolved against the machine's GPUs. */
final class InstanceGroupCompleter {

    private InstanceGroupCompleter() {
    }

    /**
     * @param defaultCpuCount the engine's instance count, used only when the config has no instance_group at all
     * @param gpuCount        GPUs on this machine
     */
    static List<ModelInstanceGroup> complete(String model, List<ModelInstanceGroup> groups, int defaultCpuCount,
                                             int gpuCount) {
        if (groups.isEmpty()) {
            return List.of(defaultGroup(model, defaultCpuCount, gpuCount));
        }
        List<ModelInstanceGroup> out = new ArrayList<>(groups.size());
        for (int i = 0; i < groups.size(); i++) {
            ModelInstanceGroup.Builder g = groups.get(i).toBuilder();
            if (g.getName().isEmpty()) {
                g.setName(model + "_" + i);
            }
            if (g.getCount() == 0) {
                g.setCount(1);
            }
            if (g.getKind() == ModelInstanceGroup.Kind.KIND_AUTO) {
                resolveAuto(g, gpuCount);
            }
            if (g.getKind() == ModelInstanceGroup.Kind.KIND_GPU && g.getGpusCount() == 0) {
                addAllGpus(g, gpuCount);
            }
            out.add(g.build());
        }
        return out;
    }

    /** No instance_group: one instance per GPU, or the engine's CPU default when the machine has no GPU. */
    private static ModelInstanceGroup defaultGroup(String model, int defaultCpuCount, int gpuCount) {
        ModelInstanceGroup.Builder g = ModelInstanceGroup.newBuilder().setName(model + "_0");
        if (gpuCount > 0) {
            g.setKind(ModelInstanceGroup.Kind.KIND_GPU).setCount(1);
            addAllGpus(g, gpuCount);
        } else {
            g.setKind(ModelInstanceGroup.Kind.KIND_CPU).setCount(Math.max(1, defaultCpuCount));
        }
        return g.build();
    }

    /** GPU when every listed GPU exists and there is at least one; otherwise CPU, dropping the GPU list. */
    private static void resolveAuto(ModelInstanceGroup.Builder g, int gpuCount) {
        boolean allPresent = gpuCount > 0;
        for (int id : g.getGpusList()) {
            if (id < 0 || id >= gpuCount) {
                allPresent = false;
            }
        }
        if (allPresent) {
            g.setKind(ModelInstanceGroup.Kind.KIND_GPU);
        } else {
            g.setKind(ModelInstanceGroup.Kind.KIND_CPU).clearGpus();
        }
    }

    private static void addAllGpus(ModelInstanceGroup.Builder g, int gpuCount) {
        for (int id = 0; id < gpuCount; id++) {
            g.addGpus(id);
        }
    }
}
