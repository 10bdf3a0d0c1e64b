package io.tensorline.server.repository;

import io.tensorline.engine.BytesElementCheck;
import io.tensorline.server.config.ModelDocument;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.scheduler.Scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One ready version of a model: its validated spec, the completed config reported by the ModelConfig API, and the
 * scheduler that runs its instances. A change of instance counts or batching settings applied in place replaces
 * the spec and config of the same handle (requests read them once each).
 *
 * <p>A version counts the requests it accepted and not yet answered. {@link #retire} stops it accepting more; once
 * the count reaches zero {@link #drained()} completes, and only then may its owner shut the scheduler down, so a
 * reload or an unload loses nothing. The count and the retired flag share one atomic word (count × 2 + flag), so a
 * request either is counted before the retirement or is refused: there is no window in between.
 */
public final class ModelVersion {

    /** Replaced together with the config when a change applies in place; the lifecycle thread writes them. */
    private volatile ModelSpec spec;
    private final long version;
    private final String versionString;
    private volatile ModelDocument completedConfig;
    /** How it was built, for changes in place; null when it cannot take any (ensembles, versions built by hand). */
    private volatile VersionBuild build;
    private final Scheduler scheduler;
    /** Accepted and unanswered requests times two, plus one once retired. */
    private final AtomicLong guard = new AtomicLong();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final Map<String, List<String>> labels;
    private final BytesElementCheck bytesCheck;

    public ModelVersion(ModelSpec spec, long version, ModelDocument completedConfig, Scheduler scheduler) {
        this(spec, version, completedConfig, scheduler, Map.of(), BytesElementCheck.ANY);
    }

    /**
     * @param labels     output name to its classification labels (from {@code label_filename}), by class index
     * @param bytesCheck which BYTES elements the engine passes to the model unchanged
     */
    public ModelVersion(ModelSpec spec, long version, ModelDocument completedConfig, Scheduler scheduler,
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

    /** The completed config the ModelConfig API reports. */
    public ModelDocument completedConfig() {
        return completedConfig;
    }

    VersionBuild build() {
        return build;
    }

    /** Set once loaded, and after each change applied in place: the spec and config become those it serves. */
    void built(VersionBuild b) {
        this.spec = b.served().spec();
        this.completedConfig = b.served().config();
        this.build = b;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Submits a request to the scheduler unless this version is retired; then it returns null and the caller
     * resolves the model again (a reload has already published the successor).
     */
    public CompletableFuture<List<Tensor>> trySubmit(InferenceRequest request, int batchSize) {
        return guarded(() -> scheduler.submit(request, batchSize));
    }

    /** As {@link #trySubmit}, for {@link Scheduler#submitBulk}: the bulk counts as one accepted request. */
    public CompletableFuture<List<List<Tensor>>> trySubmitBulk(List<InferenceRequest> requests, int[] batchSizes) {
        return guarded(() -> scheduler.submitBulk(requests, batchSizes));
    }

    /** As {@link #trySubmit}, for {@link Scheduler#submitSplit}: the request counts as one accepted request. */
    public CompletableFuture<List<Tensor>> trySubmitSplit(InferenceRequest request, int rows, int partRows) {
        return guarded(() -> scheduler.submitSplit(request, rows, partRows));
    }

    private <T> CompletableFuture<T> guarded(java.util.function.Supplier<CompletableFuture<T>> submit) {
        long s;
        do {
            s = guard.get();
            if ((s & 1) != 0) {
                return null;
            }
        } while (!guard.compareAndSet(s, s + 2));
        CompletableFuture<T> result;
        try {
            result = submit.get();
        } catch (RuntimeException | Error e) {
            release();
            throw e;
        }
        result.whenComplete((r, e) -> release());
        return result;
    }

    /** Stops accepting requests; idempotent. The returned future completes when every accepted one is answered. */
    public CompletableFuture<Void> retire() {
        long s;
        do {
            s = guard.get();
            if ((s & 1) != 0) {
                return drained;
            }
        } while (!guard.compareAndSet(s, s | 1));
        if (s == 0) {
            drained.complete(null);
        }
        return drained;
    }

    public boolean retired() {
        return (guard.get() & 1) != 0;
    }

    /** Completes once retired and every accepted request is answered. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /** Requests accepted and not yet answered. */
    public long inFlight() {
        return guard.get() >>> 1;
    }

    private void release() {
        if (guard.addAndGet(-2) == 1) {
            drained.complete(null);
        }
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
