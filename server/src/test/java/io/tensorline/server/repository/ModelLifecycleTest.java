package io.tensorline.server.repository;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lifecycle state machine (load, reload, unload, poll) over the fake engine and schedulers that hold requests
 * until the test answers them: nothing is shut down while it still owes an answer.
 */
class ModelLifecycleTest {

    @TempDir
    Path repo;

    private final FakeEngineProvider engine = new FakeEngineProvider();
    private final HoldingSchedulerFactory schedulers = new HoldingSchedulerFactory();
    private RepositoryModelRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private void model(Path root, String name, long... versions) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("config.pbtxt"), RepositoryTestSupport.CONFIG);
        for (long v : versions) {
            version(root, name, v);
        }
        engine.model(name, RepositoryTestSupport.IN, RepositoryTestSupport.OUT);
    }

    private static void version(Path root, String name, long v) throws Exception {
        Files.writeString(Files.createDirectories(root.resolve(name).resolve(Long.toString(v))).resolve("model.fake"),
                "weights");
    }

    private RepositoryModelRegistry start(ModelControlMode mode, String... startup) {
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                .withModelControl(mode, List.of(startup), 0), new EngineRegistry(List.of(engine)), schedulers);
        return registry;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not reached within 10 s");
            }
            Thread.sleep(5);
        }
    }

    private static InferenceException failure(CompletableFuture<Void> op) {
        CompletionException e = assertThrows(CompletionException.class, op::join);
        return InferenceException.from(e);
    }

    private ModelState state(String name, String version) {
        return registry.index().stream().filter(e -> e.name().equals(name) && e.version().equals(version))
                .findFirst().map(ModelIndexEntry::state).orElse(null);
    }

    private static void touch(Path file) throws Exception {
        Files.writeString(file, Files.readString(file) + " ");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    }

    private static int edits;

    /** A real config change (a parameter), which a reload must apply. */
    private static void changeConfig(Path config) throws Exception {
        Files.writeString(config, Files.readString(config) + "parameters { key: \"edit\" value: { string_value: \""
                + (++edits) + "\" } }\n");
    }

    @Test
    void explicitModeListsTheRepositoryButLoadsOnlyTheStartupModels() throws Exception {
        model(repo, "a", 1);
        model(repo, "b", 1);
        start(ModelControlMode.EXPLICIT, "b");
        assertEquals(List.of(new ModelIndexEntry("a", "", ModelState.UNKNOWN, ""),
                new ModelIndexEntry("b", "1", ModelState.READY, "")), registry.index());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(InferenceException.class,
                () -> registry.resolve("a", "")).code());
        assertTrue(registry.allReady(), "a model never loaded does not make the server unready");
    }

    @Test
    void loadThenUnloadAnswersAcceptedRequestsBeforeClosing() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT);
        registry.loadModel("m", LoadParameters.NONE).join();
        ModelVersion v1 = registry.resolve("m", "1");
        CompletableFuture<?> accepted = v1.trySubmit(null, 1);
        CompletableFuture<Void> unload = registry.unloadModel("m", false);
        await(() -> state("m", "1") == ModelState.UNLOADING);
        assertNull(v1.trySubmit(null, 1), "an unloading version takes no new request");
        // no version is ready: Triton's NOT_FOUND "has no available versions"
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(InferenceException.class,
                () -> registry.resolve("m", "")).code());
        assertEquals(ErrorCode.UNAVAILABLE, assertThrows(InferenceException.class,
                () -> registry.resolve("m", "1")).code());
        assertFalse(unload.isDone(), "unload waits for the accepted request");
        assertEquals(0, schedulers.created.get(0).shutdowns.get());
        schedulers.created.get(0).answerAll();
        unload.join();
        assertTrue(accepted.isDone() && !accepted.isCompletedExceptionally());
        assertEquals(1, schedulers.created.get(0).shutdowns.get());
        assertEquals(List.of(new ModelIndexEntry("m", "1", ModelState.UNAVAILABLE, "unloaded")), registry.index());
        assertTrue(engine.instances().stream().allMatch(FakeEngineProvider.FakeLoadedModel::closed));
        assertTrue(registry.allReady(), "an unloaded model does not make the server unready");
    }

    @Test
    void reloadSwapsAtOnceAndTheOldVersionDrainsBeforeItCloses() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion old = registry.resolve("m", "1");
        old.trySubmit(null, 1);
        changeConfig(repo.resolve("m/config.pbtxt"));
        registry.loadModel("m", LoadParameters.NONE).join();
        ModelVersion next = registry.resolve("m", "1");
        assertNotSame(old, next);
        assertTrue(old.retired());
        assertNull(old.trySubmit(null, 1));
        assertEquals(0, schedulers.created.get(0).shutdowns.get(), "the old version still owes an answer");
        schedulers.created.get(0).answerAll();
        await(() -> schedulers.created.get(0).shutdowns.get() == 1);
        assertEquals(ModelState.READY, state("m", "1"));
        assertEquals(1, schedulers.running());
    }

    @Test
    void aFailedReloadLeavesTheServingVersionReady() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion old = registry.resolve("m", "1");
        engine.failVersion("m", 1, "weights are corrupt");
        touch(repo.resolve("m/1/model.fake"));
        InferenceException e = failure(registry.loadModel("m", LoadParameters.NONE));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("load failed for model 'm': version 1 is at UNAVAILABLE state: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("weights are corrupt"), e.getMessage());
        assertSame(old, registry.resolve("m", "1"));
        assertFalse(old.retired());
        assertEquals(List.of(new ModelIndexEntry("m", "1", ModelState.READY, "")), registry.index());
    }

    @Test
    void loadingAnUnchangedModelIsANoOp() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion v = registry.resolve("m", "1");
        registry.loadModel("m", LoadParameters.NONE).join();
        assertSame(v, registry.resolve("m", "1"));
        assertEquals(1, schedulers.created.size());
    }

    @Test
    void aNewVersionFolderLoadsBesideTheOldWhichThePolicyThenRetires() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion v1 = registry.resolve("m", "");
        version(repo, "m", 2);
        registry.loadModel("m", LoadParameters.NONE).join();
        assertEquals(2, registry.resolve("m", "").version());
        assertTrue(v1.retired());
        await(() -> schedulers.created.get(0).shutdowns.get() == 1);
        assertEquals(List.of(new ModelIndexEntry("m", "2", ModelState.READY, "")), registry.index());
    }

    @Test
    void aVersionWhoseFilesDidNotChangeKeepsServingWhenAnotherIsAdded() throws Exception {
        model(repo, "m", 1);
        Files.writeString(repo.resolve("m/config.pbtxt"), RepositoryTestSupport.CONFIG
                + "version_policy: { all: { } }\n");
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion v1 = registry.resolve("m", "1");
        version(repo, "m", 2);
        registry.loadModel("m", LoadParameters.NONE).join();
        assertSame(v1, registry.resolve("m", "1"));
        assertEquals(List.of(1L, 2L), registry.readyVersions("m"));
    }

    @Test
    void concurrentLoadsAndUnloadsOfOneModelRunInTurnAndEachAnswers() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT);
        List<CompletableFuture<Void>> ops = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ops.add(i % 2 == 0 ? registry.loadModel("m", LoadParameters.NONE) : registry.unloadModel("m", false));
        }
        ops.forEach(CompletableFuture::join);
        assertEquals(List.of(new ModelIndexEntry("m", "1", ModelState.UNAVAILABLE, "unloaded")), registry.index());
        assertEquals(5, schedulers.created.size(), "each load after an unload builds the model again");
        await(() -> schedulers.running() == 0);
    }

    @Test
    void loadAndUnloadAreRefusedOutsideExplicitModeWithTritonsText() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.NONE);
        for (CompletableFuture<Void> op : List.of(registry.loadModel("m", LoadParameters.NONE),
                registry.unloadModel("m", false))) {
            InferenceException e = failure(op);
            assertEquals(ErrorCode.UNAVAILABLE, e.code());
            assertEquals("explicit model load / unload is not allowed if polling is enabled", e.getMessage());
        }
        assertEquals(ModelState.READY, state("m", "1"));
    }

    @Test
    void unknownModelsFailToLoadWithTritonsTextAndUnloadAsANoOp() throws Exception {
        start(ModelControlMode.EXPLICIT);
        InferenceException e = failure(registry.loadModel("nope", LoadParameters.NONE));
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertEquals("failed to load 'nope', failed to poll from model repository", e.getMessage());
        registry.unloadModel("nope", false).join();
        assertEquals(List.of(), registry.index());
        e = failure(registry.loadModel("../etc", LoadParameters.NONE));
        assertEquals(ErrorCode.INTERNAL, e.code());
    }

    @Test
    void aStartupModelMissingFromTheRepositoryIsReportedAsALoadFailure() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m", "ghost");
        assertEquals(List.of(new ModelIndexEntry("ghost", "", ModelState.UNAVAILABLE,
                "failed to load 'ghost', failed to poll from model repository")), registry.loadFailures());
        assertEquals(ModelState.READY, state("m", "1"));
    }

    @Test
    void aModelConfigNameReadsThatConfigWhereItExistsElseConfigPbtxt() throws Exception {
        model(repo, "custom", 1);
        model(repo, "plain", 1);
        Files.createDirectories(repo.resolve("custom/configs"));
        Files.writeString(repo.resolve("custom/configs/prod.pbtxt"),
                RepositoryTestSupport.CONFIG.replace("max_batch_size: 8", "max_batch_size: 2"));
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                .withConfigName("prod"), new EngineRegistry(List.of(engine)), schedulers);
        assertEquals(2, registry.resolve("custom", "1").spec().maxBatchSize());
        assertEquals(8, registry.resolve("plain", "1").spec().maxBatchSize());
    }

    @Test
    void aModelInTwoRootsIsUnavailableWithTritonsReason(@TempDir Path second) throws Exception {
        model(repo, "m", 1);
        model(second, "m", 1);
        model(second, "other", 1);
        registry = RepositoryModelRegistry.load(List.of(repo, second), RepositoryModelRegistry.Options.defaults(),
                new EngineRegistry(List.of(engine)), schedulers);
        assertEquals(List.of(new ModelIndexEntry("m", "", ModelState.UNAVAILABLE,
                        "model appears in two or more repositories"),
                new ModelIndexEntry("other", "1", ModelState.READY, "")), registry.index());
    }

    @Test
    void aConfigOverrideReplacesTheFilesAndStaysOnLaterPlainLoads() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        String json = """
                {"platform": "fake_platform", "max_batch_size": 2,
                 "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": [4]}],
                 "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": [4]}]}""";
        registry.loadModel("m", new LoadParameters(json, Map.of())).join();
        assertEquals(2, registry.resolve("m", "1").spec().maxBatchSize());
        registry.loadModel("m", LoadParameters.NONE).join();
        assertEquals(2, registry.resolve("m", "1").spec().maxBatchSize(), "Triton keeps the override");
    }

    @Test
    void aConfigOverrideThatIsNotJsonOrNotAModelConfigFailsAndTheModelKeepsServing() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion v = registry.resolve("m", "1");
        for (String bad : List.of("{not json", "{\"no_such_field\": 1}", "[1]")) {
            InferenceException e = failure(registry.loadModel("m", new LoadParameters(bad, Map.of())));
            assertEquals(ErrorCode.INTERNAL, e.code(), bad);
            assertTrue(e.getMessage().startsWith("failed to load 'm', failed to poll from model repository: "),
                    e.getMessage());
        }
        assertSame(v, registry.resolve("m", "1"));
    }

    @Test
    void fileParametersMustStayInsideTheModelFolderAndNeedAConfig() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT);
        InferenceException e = failure(registry.loadModel("m", new LoadParameters("{}",
                Map.of("1/../../escape.fake", new byte[1]))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("Invalid file parameter 'file:1/../../escape.fake' with normalized "
                + "path '"), e.getMessage());
        assertTrue(e.getMessage().endsWith("' must stay within model directory."), e.getMessage());
        e = failure(registry.loadModel("m", new LoadParameters(null, Map.of("1/model.fake", new byte[1]))));
        assertEquals(ErrorCode.INTERNAL, e.code());
    }

    @Test
    void fileParametersLoadTheModelFromTheGivenBytes() throws Exception {
        engine.model("fresh", RepositoryTestSupport.IN, RepositoryTestSupport.OUT);
        start(ModelControlMode.EXPLICIT);
        String json = """
                {"platform": "fake_platform", "max_batch_size": 8,
                 "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": [4]}],
                 "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": [4]}]}""";
        registry.loadModel("fresh", new LoadParameters(json, Map.of("3/model.fake", "w".getBytes()))).join();
        assertEquals(List.of(3L), registry.readyVersions("fresh"));
    }

    @Test
    void pollModeLoadsAddedChangedAndRemovedModelsOnlyOnceTheirFilesStopChanging() throws Exception {
        model(repo, "a", 1);
        start(ModelControlMode.POLL);
        ModelVersion a = registry.resolve("a", "1");
        registry.pollNow();
        assertSame(a, registry.resolve("a", "1"), "nothing changed");

        model(repo, "b", 1);
        registry.pollNow();
        assertFalse(registry.contains("b"), "new since the last scan: it may still be copied");
        version(repo, "b", 2); // still being written
        registry.pollNow();
        assertFalse(registry.contains("b"));
        registry.pollNow();
        assertEquals(List.of(2L), registry.readyVersions("b"));

        changeConfig(repo.resolve("a/config.pbtxt"));
        registry.pollNow();
        assertSame(a, registry.resolve("a", "1"));
        registry.pollNow();
        assertNotSame(a, registry.resolve("a", "1"));
        await(() -> a.drained().isDone());

        RepositoryModelRegistryTestFiles.deleteTree(repo.resolve("b"));
        registry.pollNow();
        assertFalse(registry.contains("b"));
        assertEquals(List.of("a"), registry.index().stream().map(ModelIndexEntry::name).toList());
    }

    @Test
    void aConfigFileEditThatChangesNothingReloadsNothing() throws Exception {
        model(repo, "m", 1);
        start(ModelControlMode.EXPLICIT, "m");
        ModelVersion v = registry.resolve("m", "1");
        touch(repo.resolve("m/config.pbtxt")); // whitespace only: the same config
        registry.loadModel("m", LoadParameters.NONE).join();
        assertSame(v, registry.resolve("m", "1"));
    }

    @Test
    void strictReadinessOffKeepsTheServerReadyWhileAModelIsUnavailable() throws Exception {
        model(repo, "m", 1);
        engine.failVersion("m", 1, "broken");
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                .withStrictReadiness(false), new EngineRegistry(List.of(engine)), schedulers);
        assertTrue(registry.allReady());
        registry.close();
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults(),
                new EngineRegistry(List.of(engine)), schedulers);
        assertFalse(registry.allReady());
    }
}
