package io.tensorline.server.repository;

import io.tensorline.engine.BytesElementCheck;
import io.tensorline.proto.ModelConfig;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.scheduler.Scheduler;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One ready version of a model: its validated spec, the completed config reported by the ModelConfig API, and the
 * scheduler that runs its instances.
 */
public final class ModelVersion {

    private final ModelSpec spec;
    private final long version;
    private final String versionString;
    private final ModelConfig completedConfig;
    private final Scheduler scheduler;
    private final Map<String, List<String>> labels;
    private final BytesElementCheck bytesCheck;

    public ModelVersion(ModelSpec spec, long version, ModelConfig completedConfig, Scheduler scheduler) {
        this(spec, version, completedConfig, scheduler, Map.of(), BytesElementCheck.ANY);
    }

    /**
     * @param labels     output name to its classification labels (from {@code label_filename}), by class index
     * @param bytesCheck which BYTES elements the engine passes to the model unchanged
     */
    public ModelVersion(ModelSpec spec, long version, ModelConfig completedConfig, Scheduler scheduler,
                        Map<String, List<String>> labels, BytesElementCheck bytesCheck) {
        this.labels = Map.copyOf(labels);
        this.bytesCheck = Objects.requireNonNull(bytesCheck, "bytesCheck");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.version = version;
        this.versionString = Long.toString(version);
        this.completedConfig = Objects.requireNonNull(completedConfig, "completedConfig");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    public String name() {
        return spec.name();
    }

    public long version() {
        return version;
    }

    public String versionString() {
        return versionString;
    }

    public ModelSpec spec() {
        return spec;
    }

    public ModelConfig completedConfig() {
        return completedConfig;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The classification labels of an output, by class index; empty when it has no {@code label_filename}. */
    public List<String> labels(String output) {
        return labels.getOrDefault(output, List.of());
    }

    /** Which BYTES elements this version's engine passes to the model unchanged. */
    public BytesElementCheck bytesElementCheck() {
        return bytesCheck;
    }
}
