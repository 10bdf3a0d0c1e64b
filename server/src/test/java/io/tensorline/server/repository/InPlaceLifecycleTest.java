package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads whose config changes only instance counts or dynamic batching settings, over the fake engine and the real
 * schedulers: the serving handle takes them in place (no new version object, no instance of it reloaded), with
 * its spec and served config following; anything else reloads.
 */
class InPlaceLifecycleTest {

    private static final String CONFIG = RepositoryTestSupport.CONFIG + """
            instance_group { kind: KIND_CPU count: %d }
            dynamic_batching { max_queue_delay_microseconds: %d }
            """;

    @TempDir
    Path repo;

    private final FakeEngineProvider engine = new FakeEngineProvider();
    private RepositoryModelRegistry registry;
    private long mtime = System.currentTimeMillis();

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private void config(int count, long delayMicros, String extra) throws Exception {
        Path file = repo.resolve("m/config.pbtxt");
        Files.writeString(file, CONFIG.formatted(count, delayMicros) + extra);
        mtime += 5000; // an edit within the file system's time resolution still changes the fingerprint
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
    }

    private ModelVersion start(int count) throws Exception {
        return start(count, ModelControlMode.EXPLICIT);
    }

    private ModelVersion start(int count, ModelControlMode mode) throws Exception {
        Files.createDirectories(repo.resolve("m/1"));
        Files.writeString(repo.resolve("m/1/model.fake"), "weights");
        config(count, 100, "");
        engine.model("m", RepositoryTestSupport.IN, RepositoryTestSupport.OUT);
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                        .withModelControl(mode, List.of("m"), 0),
                new EngineRegistry(List.of(engine)), new DefaultSchedulerFactory());
        return registry.resolve("m", "");
    }

    private void load() {
        registry.loadModel("m", LoadParameters.NONE).join();
    }

    private static int servedCount(ModelVersion mv) {
        return mv.completedConfig().toProto().getInstanceGroup(0).getCount();
    }

    @Test
    void instanceCountsGrowAndShrinkOnTheServingHandle() throws Exception {
        ModelVersion mv = start(1);
        config(3, 100, "");
        load();
        assertSame(mv, registry.resolve("m", ""), "no new version object");
        assertEquals(3, engine.instances().size(), "two instances added, the first one kept");
        assertTrue(engine.instances().stream().noneMatch(FakeEngineProvider.FakeLoadedModel::closed));
        assertEquals(3, servedCount(mv));
        assertEquals(3, mv.spec().instanceGroups().get(0).count());

        config(1, 100, "");
        load();
        assertSame(mv, registry.resolve("m", ""));
        assertEquals(3, engine.instances().size(), "nothing loaded to shrink");
        assertEquals(List.of(false, true, true), engine.instances().stream()
                .map(FakeEngineProvider.FakeLoadedModel::closed).toList(), "the added instances closed");
        assertEquals(1, servedCount(mv));
        assertFalse(mv.retired());
    }

    @Test
    void batchingSettingsApplyToTheRunningBatcher() throws Exception {
        ModelVersion mv = start(1);
        config(1, 5000, "");
        load();
        assertSame(mv, registry.resolve("m", ""));
        assertEquals(1, engine.instances().size(), "no instance loaded");
        assertEquals(5000, mv.spec().dynamicBatching().maxQueueDelayMicros());
        assertEquals(5000, mv.completedConfig().toProto().getDynamicBatching().getMaxQueueDelayMicroseconds());
    }

    @Test
    void aPollModeRescanAppliesACountEditInPlace() throws Exception {
        ModelVersion mv = start(1, ModelControlMode.POLL);
        config(2, 100, "");
        registry.pollNow(); // changed since the last scan: it may still be written
        registry.pollNow();
        assertSame(mv, registry.resolve("m", ""));
        assertEquals(2, engine.instances().size());
        assertEquals(2, servedCount(mv));
    }

    @Test
    void anyOtherChangeReloadsAndRetiresTheOldHandle() throws Exception {
        ModelVersion mv = start(1);
        config(2, 100, "parameters { key: \"p\" value { string_value: \"1\" } }");
        load();
        ModelVersion next = registry.resolve("m", "");
        assertNotSame(mv, next);
        assertTrue(mv.retired());
        assertEquals(3, engine.instances().size(), "a reload builds every instance anew");
        assertEquals(2, servedCount(next));
    }

    @Test
    void anAddedInstanceThatFailsToLoadLeavesTheVersionAsItWas() throws Exception {
        engine.failOnInstance("m", RepositoryTestSupport.IN, RepositoryTestSupport.OUT, 1, "out of memory");
        Files.createDirectories(repo.resolve("m/1"));
        Files.writeString(repo.resolve("m/1/model.fake"), "weights");
        config(1, 100, "");
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                        .withModelControl(ModelControlMode.EXPLICIT, List.of("m"), 0),
                new EngineRegistry(List.of(engine)), new DefaultSchedulerFactory());
        ModelVersion mv = registry.resolve("m", "");
        config(2, 100, "");
        CompletionException e = assertThrows(CompletionException.class,
                () -> registry.loadModel("m", LoadParameters.NONE).join());
        assertTrue(InferenceException.from(e).getMessage().contains("out of memory"), e.getMessage());
        assertSame(mv, registry.resolve("m", ""));
        assertEquals(1, servedCount(mv));
        assertFalse(engine.instances().get(0).closed());
        config(3, 100, "");
        load(); // the engine fails only its second load: the next change goes through
        assertSame(mv, registry.resolve("m", ""));
        assertEquals(3, servedCount(mv));
    }
}
