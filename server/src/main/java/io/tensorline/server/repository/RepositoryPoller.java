package io.tensorline.server.repository;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Poll mode: every period the repository roots are rescanned and the differences applied through the same
 * lifecycle operations as explicit mode (so reloads and unloads lose nothing). Added models load, removed ones
 * unload, changed ones (any file's name, size or mtime) reload.
 *
 * <p>Beyond Triton: a model folder whose fingerprint changed since the previous scan may still be being copied, so
 * it is left alone until two scans in a row see the same files. Owns the {@code model-poll} thread; only that thread
 * touches the scan state.
 */
final class RepositoryPoller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryPoller.class);

    private final ModelLifecycle lifecycle;
    private final ModelSnapshot snapshot;
    private final ScheduledExecutorService thread;
    /** The fingerprint of each folder at the previous scan. */
    private final Map<String, String> lastScan = new HashMap<>();
    /** The fingerprint each model was last loaded from (or tried to), so a failing model is not retried forever. */
    private final Map<String, String> applied = new HashMap<>();

    private RepositoryPoller(ModelLifecycle lifecycle, ModelSnapshot snapshot,
                             io.tensorline.server.scheduler.ServerThreads threads) {
        this.lifecycle = lifecycle;
        this.snapshot = snapshot;
        this.thread = Executors.newSingleThreadScheduledExecutor(threads.named("model-poll"));
    }

    static RepositoryPoller start(ModelLifecycle lifecycle, ModelSnapshot snapshot, int periodSecs) {
        return start(lifecycle, snapshot, periodSecs, io.tensorline.server.scheduler.ServerThreads.DEFAULT);
    }

    /** @param threads makes the {@code model-poll} thread (the server's thread factory) */
    static RepositoryPoller start(ModelLifecycle lifecycle, ModelSnapshot snapshot, int periodSecs,
                                  io.tensorline.server.scheduler.ServerThreads threads) {
        RepositoryPoller poller = new RepositoryPoller(lifecycle, snapshot, threads);
        // what start-up loaded is the baseline: the same files are not loaded twice. Taken before start returns,
        // so files written after start-up are changes the scans see (handing the poll thread its first task
        // publishes the maps to it)
        poller.baseline();
        if (periodSecs == 0) { // Triton: no polling thread; scans run only through scanNow
            return poller;
        }
        poller.thread.scheduleWithFixedDelay(poller::scanQuietly, periodSecs, periodSecs, TimeUnit.SECONDS);
        return poller;
    }

    private void baseline() {
        for (Map.Entry<String, List<Path>> m : lifecycle.scan().entrySet()) {
            String fp = fingerprint(m.getValue());
            lastScan.put(m.getKey(), fp);
            ModelEntry e = snapshot.get(m.getKey());
            if (e != null && e.source() != null && e.source().fingerprint().equals(fp)) {
                applied.put(m.getKey(), fp);
            } else if (e != null && e.known()) {
                applied.put(m.getKey(), fp); // failed at start-up with these files: wait for a change
            }
        }
    }

    private void scanQuietly() {
        try {
            scan();
        } catch (RuntimeException e) {
            LOG.warn("repository poll failed; trying again at the next period", e);
        }
    }

    /** One scan on the poll thread, waiting for the loads and unloads it starts (tests; --repository-poll-secs=0). */
    void scanNow() {
        CompletableFuture<Void> done = CompletableFuture.supplyAsync(this::scan, thread)
                .thenCompose(ops -> CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new)));
        done.handle((r, e) -> null).join();
    }

    private List<CompletableFuture<?>> scan() {
        List<CompletableFuture<?>> ops = new ArrayList<>();
        try {
            lifecycle.syncRemote();
        } catch (RuntimeException e) { // scan what the mirror holds; the next period tries again
            LOG.warn("repository poll: {}", e.getMessage());
        }
        List<String> ensembles = new ArrayList<>();
        Map<String, List<Path>> found = lifecycle.scan();
        for (Map.Entry<String, List<Path>> m : found.entrySet()) {
            String name = m.getKey();
            String fp = fingerprint(m.getValue());
            String previous = lastScan.put(name, fp);
            if (!fp.equals(previous) || fp.equals(applied.get(name)) || lifecycle.busy(name)) {
                continue; // still changing (or new since the last scan), already applied, or being applied
            }
            applied.put(name, fp);
            LOG.info("repository poll: model '{}' {}", name, snapshot.get(name) == null ? "added" : "changed");
            if (m.getValue().size() == 1 && lifecycle.isEnsemble(m.getValue().get(0))) {
                ensembles.add(name); // after the models of this scan, which it may name
            } else {
                ops.add(load(name));
            }
        }
        if (!ensembles.isEmpty()) {
            CompletableFuture<Void> models = CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new));
            for (String name : ensembles) {
                ops.add(models.thenCompose(r -> load(name)));
            }
        }
        for (String name : List.copyOf(snapshot.current().keySet())) {
            if (!found.containsKey(name) && !lifecycle.busy(name)) {
                lastScan.remove(name);
                applied.remove(name);
                LOG.info("repository poll: model '{}' removed", name);
                ops.add(lifecycle.unload(name).whenComplete((r, e) -> snapshot.remove(name)));
            }
        }
        return ops;
    }

    private CompletableFuture<Void> load(String name) {
        return lifecycle.load(name, LoadParameters.NONE).exceptionally(e -> {
            LOG.warn("repository poll: model '{}' failed to load: {}", name, e.getMessage());
            return null;
        });
    }

    /** Several folders of one name (several roots) count as one: any change in either is a change. */
    private static String fingerprint(List<Path> dirs) {
        StringBuilder sb = new StringBuilder();
        for (Path d : dirs) {
            sb.append(d).append('=').append(ModelFolders.fingerprint(d)).append(';');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
