package io.tensorline.server.cli;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.FakeEngineProvider;
import io.tensorline.server.repository.FakeSchedulerFactory;
import io.tensorline.server.repository.ModelControlMode;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelState;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.simulated.SimulatedEngineProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnginePreloadTest {

    private static final List<TensorSpec> IN = List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4}));
    private static final List<TensorSpec> OUT = List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 4}));
    private static final String TENSORS = """
            max_batch_size: 8
            input [ { name: "x", data_type: TYPE_FP32, dims: [ 4 ] } ]
            output [ { name: "y", data_type: TYPE_FP32, dims: [ 4 ] } ]
            """;

    @TempDir
    Path repo;

    /** A fake engine that counts its prepare() calls and, when told to, fails in it as a broken native would. */
    static final class PreparingEngine extends FakeEngineProvider {
        final AtomicInteger prepared = new AtomicInteger();
        private final RuntimeException failure;

        PreparingEngine(String backend, String platform, String file, RuntimeException failure) {
            super(backend, Set.of(platform), file, 1);
            this.failure = failure;
        }

        @Override
        public void prepare() {
            prepared.incrementAndGet();
            if (failure != null) {
                throw failure;
            }
        }
    }

    private final PreparingEngine alpha = new PreparingEngine("alpha", "alpha_platform", "model.alpha", null);
    private final PreparingEngine beta = new PreparingEngine("beta", "beta_platform", "model.beta", null);
    private final PreparingEngine gamma = new PreparingEngine("gamma", "gamma_platform", "model.gamma", null);
    private final EngineRegistry engines = new EngineRegistry(List.of(alpha, beta, gamma,
            new SimulatedEngineProvider()));

    private void model(String name, String config, String file) throws Exception {
        Path dir = Files.createDirectories(repo.resolve(name));
        if (config != null) {
            Files.writeString(dir.resolve("config.pbtxt"), config);
        }
        Files.writeString(Files.createDirectories(dir.resolve("1")).resolve(file), "weights");
    }

    private ModelControlOptions options(ModelControlMode mode, List<String> load, String configName) {
        return new ModelControlOptions(List.of(repo), mode, load, 0, 4, true, configName);
    }

    private static List<String> backends(List<EngineProvider> used) {
        return used.stream().map(EngineProvider::backend).toList();
    }

    @Test
    void findsTheEnginesByBackendByPlatformAndByDefaultFile() throws Exception {
        model("by_backend", "backend: \"alpha\"\n" + TENSORS, "model.alpha");
        model("by_platform", "# platform: \"gamma_platform\" is a comment\nplatform: \"beta_platform\"\n" + TENSORS,
                "model.beta");
        model("by_file", null, "model.gamma");
        model("ensemble", "platform: \"ensemble\"\n", "unused");
        model("unknown", "backend: \"nobody\"\n", "model.x");
        assertEquals(List.of("alpha", "beta", "gamma"),
                backends(EnginePreload.used(options(ModelControlMode.NONE, List.of(), ""), engines)));
    }

    @Test
    void explicitModeLooksOnlyAtTheStartUpModels() throws Exception {
        model("a", "backend: \"alpha\"\n", "model.alpha");
        model("b", "backend: \"beta\"\n", "model.beta");
        assertEquals(List.of(), backends(EnginePreload.used(options(ModelControlMode.EXPLICIT, List.of(), ""),
                engines)));
        assertEquals(List.of("beta"), backends(EnginePreload.used(
                options(ModelControlMode.EXPLICIT, List.of("b", "missing"), ""), engines)));
        assertEquals(List.of("alpha", "beta"), backends(EnginePreload.used(
                options(ModelControlMode.EXPLICIT, List.of("*"), ""), engines)));
    }

    @Test
    void readsTheNamedConfigWhereItExists() throws Exception {
        model("m", "backend: \"alpha\"\n", "model.alpha");
        Files.writeString(Files.createDirectories(repo.resolve("m/configs")).resolve("prod.pbtxt"),
                "backend: \"beta\"\n");
        assertEquals(List.of("beta"), backends(EnginePreload.used(options(ModelControlMode.NONE, List.of(), "prod"),
                engines)));
        assertEquals(List.of("alpha"), backends(EnginePreload.used(options(ModelControlMode.NONE, List.of(), "dev"),
                engines)));
    }

    @Test
    void aMissingRepositoryFindsNothing() {
        ModelControlOptions o = new ModelControlOptions(List.of(repo.resolve("not-there")), ModelControlMode.NONE,
                List.of(), 0, 4, true, "");
        assertEquals(List.of(), EnginePreload.used(o, engines));
    }

    @Test
    void startsOneThreadPerUsedEngineWithAPrepareAndCallsItOnce() throws Exception {
        model("a", "backend: \"alpha\"\n", "model.alpha");
        model("a2", "platform: \"alpha_platform\"\n", "model.alpha");
        model("s", "backend: \"simulated\"\n", "model.alpha");
        List<Thread> threads = EnginePreload.start(options(ModelControlMode.NONE, List.of(), ""), engines);
        for (Thread t : threads) {
            t.join(10_000);
            assertTrue(t.isDaemon());
        }
        assertEquals(List.of("engine-preload-alpha"), threads.stream().map(Thread::getName).toList());
        assertEquals(1, alpha.prepared.get());
        assertEquals(0, beta.prepared.get());
        assertFalse(EnginePreload.overridesPrepare(new SimulatedEngineProvider()));
        assertTrue(EnginePreload.overridesPrepare(alpha));
    }

    @Test
    void aFailingPrepareChangesNeitherWhatLoadsNorHowLoadsFail() throws Exception {
        PreparingEngine broken = new PreparingEngine("fake", "fake_platform", "model.fake",
                new IllegalStateException("natives missing"));
        broken.model("good", IN, OUT);
        broken.failVersion("bad", 1, "natives missing");
        broken.model("bad", IN, OUT);
        model("good", "platform: \"fake_platform\"\n" + TENSORS, "model.fake");
        model("bad", "platform: \"fake_platform\"\n" + TENSORS, "model.fake");
        EngineRegistry registryEngines = new EngineRegistry(List.of(broken));
        for (Thread t : EnginePreload.start(options(ModelControlMode.NONE, List.of(), ""), registryEngines)) {
            t.join(10_000);
        }
        assertEquals(1, broken.prepared.get());
        try (RepositoryModelRegistry registry = RepositoryModelRegistry.load(repo,
                RepositoryModelRegistry.Options.defaults(), registryEngines, new FakeSchedulerFactory())) {
            assertTrue(registry.isReady("good", ""));
            assertFalse(registry.isReady("bad", ""));
            List<ModelIndexEntry> failures = registry.loadFailures();
            assertEquals(1, failures.size());
            assertEquals("bad", failures.get(0).name());
            assertEquals(ModelState.UNAVAILABLE, failures.get(0).state());
            assertTrue(failures.get(0).reason().contains("natives missing"), failures.get(0).reason());
        }
    }

    @Test
    void itIsOffUnlessTheSystemPropertyTurnsItOn() throws Exception {
        model("a", "backend: \"alpha\"\n", "model.alpha");
        String before = System.getProperty(EnginePreload.SWITCH);
        try {
            System.clearProperty(EnginePreload.SWITCH);
            assertFalse(EnginePreload.enabled());
            assertEquals(List.of(), EnginePreload.start(options(ModelControlMode.NONE, List.of(), "")));
            System.setProperty(EnginePreload.SWITCH, "false");
            assertFalse(EnginePreload.enabled());
            assertEquals(List.of(), EnginePreload.start(options(ModelControlMode.NONE, List.of(), "")));
            System.setProperty(EnginePreload.SWITCH, "true");
            assertTrue(EnginePreload.enabled());
        } finally {
            if (before == null) {
                System.clearProperty(EnginePreload.SWITCH);
            } else {
                System.setProperty(EnginePreload.SWITCH, before);
            }
        }
    }

    @Test
    void theBundledRepositoryPreloadsItsThreeFrameworks() {
        Path bundled = Path.of("..", "model-repository");
        ModelControlOptions o = new ModelControlOptions(List.of(bundled), ModelControlMode.NONE, List.of(), 0, 4,
                true, "");
        List<String> found = backends(EnginePreload.used(o, EngineRegistry.fromClassPath()));
        assertEquals(List.of("onnxruntime", "pytorch", "simulated", "tensorflow"), found);
    }
}
