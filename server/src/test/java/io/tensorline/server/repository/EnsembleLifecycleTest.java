package io.tensorline.server.repository;

import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ensembles in the lifecycle over the fake engine: the order they load in at start-up and in one poll scan, an
 * ensemble's load bringing its composing models, a composing model's unload taking its ensembles, and
 * {@code unload_dependents} (Triton's cascade up to the models nobody loaded by name).
 */
class EnsembleLifecycleTest {

    @TempDir
    Path repo;

    private final FakeEngineProvider engine = new FakeEngineProvider();
    private RepositoryModelRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private void model(String name) throws Exception {
        Path dir = Files.createDirectories(repo.resolve(name));
        Files.writeString(dir.resolve("config.pbtxt"), RepositoryTestSupport.CONFIG);
        Files.writeString(Files.createDirectories(dir.resolve("1")).resolve("model.fake"), "weights");
        engine.model(name, RepositoryTestSupport.IN, RepositoryTestSupport.OUT);
    }

    /** One step on {@code step}, whose tensors are x and y (a fake model) or IN and OUT (an ensemble). */
    private void ensemble(String name, String step, boolean stepIsEnsemble) throws Exception {
        Path dir = Files.createDirectories(repo.resolve(name));
        Files.createDirectories(dir.resolve("1"));
        Files.writeString(dir.resolve("config.pbtxt"), "name: \"" + name + "\"\nplatform: \"ensemble\"\n"
                + "max_batch_size: 8\ninput [ { name: \"IN\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "output [ { name: \"OUT\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "ensemble_scheduling { step [ { model_name: \"" + step + "\" model_version: -1 input_map { key: \""
                + (stepIsEnsemble ? "IN" : "x") + "\" value: \"IN\" } output_map { key: \""
                + (stepIsEnsemble ? "OUT" : "y") + "\" value: \"OUT\" } } ] }\n");
    }

    private RepositoryModelRegistry start(ModelControlMode mode, String... startup) {
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                        .withModelControl(mode, List.of(startup), 0), new EngineRegistry(List.of(engine)),
                new DefaultSchedulerFactory());
        return registry;
    }

    @Test
    void atStartUpEnsemblesLoadAfterTheModelsAndEnsemblesTheyName() throws Exception {
        // names sort before the models they need, so a load in name order would find nothing ready
        ensemble("a_outer", "b_inner", true);
        ensemble("b_inner", "c_model", false);
        model("c_model");
        start(ModelControlMode.NONE);
        assertEquals(List.of(1L), registry.readyVersions("a_outer"));
        assertEquals(List.of(1L), registry.readyVersions("b_inner"));
        assertTrue(registry.loadFailures().isEmpty(), registry.loadFailures().toString());
    }

    @Test
    void explicitStartUpModelsLoadEnsemblesLast() throws Exception {
        ensemble("a_outer", "b_inner", true);
        ensemble("b_inner", "c_model", false);
        model("c_model");
        start(ModelControlMode.EXPLICIT, "a_outer", "b_inner", "c_model");
        assertEquals(List.of(1L), registry.readyVersions("a_outer"));
    }

    @Test
    void onePollScanLoadsTheAddedModelsBeforeTheAddedEnsembles() throws Exception {
        start(ModelControlMode.POLL);
        ensemble("a_pipeline", "z_model", false);
        model("z_model");
        registry.pollNow(); // first sight: they may still be copied
        registry.pollNow();
        assertEquals(List.of(1L), registry.readyVersions("z_model"));
        assertEquals(List.of(1L), registry.readyVersions("a_pipeline"));
    }

    @Test
    void unloadDependentsUnloadsEnsemblesOfEnsemblesAndLeavesOtherModels() throws Exception {
        ensemble("a_outer", "b_inner", true);
        ensemble("b_inner", "c_model", false);
        model("c_model");
        model("d_other");
        start(ModelControlMode.EXPLICIT, "*");
        registry.unloadModel("c_model", true).join();
        assertFalse(registry.isReady("c_model", ""));
        assertFalse(registry.isReady("b_inner", ""));
        assertFalse(registry.isReady("a_outer", ""));
        assertTrue(registry.isReady("d_other", ""));
    }
    @Test
    void explicitStartUpOfAnEnsembleAloneLoadsWhatItNames() throws Exception {
        ensemble("a_outer", "b_inner", true);
        ensemble("b_inner", "c_model", false);
        model("c_model");
        model("d_other");
        start(ModelControlMode.EXPLICIT, "a_outer");
        assertEquals(List.of(1L), registry.readyVersions("a_outer"));
        assertEquals(List.of(1L), registry.readyVersions("b_inner"));
        assertEquals(List.of(1L), registry.readyVersions("c_model"));
        assertFalse(registry.isReady("d_other", ""), "not named by anyone");
    }

    @Test
    void loadingAnEnsembleLoadsTheModelsItNames() throws Exception {
        ensemble("a_outer", "b_inner", true);
        ensemble("b_inner", "c_model", false);
        model("c_model");
        start(ModelControlMode.EXPLICIT);
        registry.loadModel("a_outer", LoadParameters.NONE).join();
        assertTrue(registry.isReady("a_outer", ""));
        assertTrue(registry.isReady("b_inner", ""));
        assertTrue(registry.isReady("c_model", ""));
    }

    @Test
    void unloadingAComposingModelUnloadsTheEnsemblesOnItEvenWithoutTheFlag() throws Exception {
        ensemble("a_outer", "b_inner", true);
        ensemble("b_inner", "c_model", false);
        model("c_model");
        start(ModelControlMode.EXPLICIT, "*");
        registry.unloadModel("c_model", false).join();
        assertFalse(registry.isReady("b_inner", ""));
        assertFalse(registry.isReady("a_outer", ""));
    }

    @Test
    void unloadDependentsUnloadsTheComposingModelsNoOneElseNeedsOrLoadedByName() throws Exception {
        ensemble("p_one", "m_only", false);
        ensemble("p_two", "m_shared", false);
        ensemble("p_three", "m_shared", false);
        ensemble("p_four", "m_named", false);
        model("m_only");
        model("m_shared");
        model("m_named");
        start(ModelControlMode.EXPLICIT);
        for (String p : List.of("p_one", "p_two", "p_three")) {
            registry.loadModel(p, LoadParameters.NONE).join();
        }
        registry.loadModel("m_named", LoadParameters.NONE).join();
        registry.loadModel("p_four", LoadParameters.NONE).join();

        registry.unloadModel("p_one", true).join();
        assertFalse(registry.isReady("m_only", ""), "loaded for p_one only");
        registry.unloadModel("p_two", true).join();
        assertTrue(registry.isReady("m_shared", ""), "p_three still runs a step on it");
        assertTrue(registry.isReady("p_three", ""));
        registry.unloadModel("p_three", true).join();
        assertFalse(registry.isReady("m_shared", ""));
        registry.unloadModel("p_four", true).join();
        assertTrue(registry.isReady("m_named", ""), "loaded by name, so it stays");
    }

    @Test
    void unloadingAnEnsembleWithoutTheFlagLeavesItsComposingModels() throws Exception {
        ensemble("p_one", "m_only", false);
        model("m_only");
        start(ModelControlMode.EXPLICIT, "p_one");
        registry.unloadModel("p_one", false).join();
        assertFalse(registry.isReady("p_one", ""));
        assertTrue(registry.isReady("m_only", ""));
    }
}
