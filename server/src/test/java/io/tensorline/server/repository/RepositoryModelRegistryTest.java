package io.tensorline.server.repository;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** resolve, readiness, index and close. */
class RepositoryModelRegistryTest extends RepositoryTestSupport {

    // ---- resolve

    @Test
    void anEmptyVersionResolvesToTheHighestReadyVersion() throws Exception {
        model("m", CONFIG + "version_policy: { all { } }", 1, 2);

        ModelVersion mv = load().resolve("m", "");

        assertEquals(2, mv.version());
        assertEquals("m", mv.name());
    }

    @Test
    void aNumberResolvesToThatVersion() throws Exception {
        model("m", CONFIG + "version_policy: { all { } }", 1, 2);
        assertEquals(1, load().resolve("m", "1").version());
    }

    @Test
    void aVersionThatIsNotAnIntegerIsInvalid() throws Exception {
        model("m", CONFIG, 1);
        InferenceException e = resolveFails(load(), "m", "abc");
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("failed to get model version from specified version string 'abc' (details: stol), version "
                + "should be an integral value > 0", e.getMessage());
    }

    @Test
    void anUnknownModelIsNotFound() throws Exception {
        model("m", CONFIG, 1);
        InferenceException e = resolveFails(load(), "nope", "");
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertEquals("Request for unknown model: 'nope' is not found", e.getMessage());
    }

    @Test
    void aVersionNotServedIsNotFound() throws Exception {
        model("m", CONFIG + "version_policy: { all { } }", 1, 2);
        InferenceException e = resolveFails(load(), "m", "7");
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertEquals("Request for unknown model: 'm' version 7 is not found (ready versions: [1, 2])",
                e.getMessage());
    }

    @Test
    void aVersionOnDiskButOutsideThePolicyIsNotFound() throws Exception {
        model("m", CONFIG, 1, 2); // latest { num_versions: 1 } by default
        assertEquals("Request for unknown model: 'm' version 1 is not found (ready versions: [2])",
                resolveFails(load(), "m", "1").getMessage());
    }

    @Test
    void aModelThatFailedIsUnavailableWithItsReason() throws Exception {
        model("m", "max_batch_size: -1\n" + CONFIG.replace("max_batch_size: 8", ""), 1);
        RepositoryModelRegistry r = load();

        InferenceException any = resolveFails(r, "m", "");
        InferenceException one = resolveFails(r, "m", "1");

        assertEquals(ErrorCode.NOT_FOUND, any.code());
        assertEquals("Request for unknown model: 'm' has no available versions: model 'm': max_batch_size: -1 "
                + "(expected: >= 0)", any.getMessage());
        assertEquals(ErrorCode.UNAVAILABLE, one.code());
        assertEquals("Request for unknown model: 'm' version 1 is not at ready state: model 'm': max_batch_size: -1 "
                + "(expected: >= 0)", one.getMessage());
    }

    @Test
    void aVersionThatFailedIsUnavailableWhileTheOthersServe() throws Exception {
        model("m", CONFIG + "version_policy: { all { } }", 1, 2);
        engine.failVersion("m", 2, "corrupt weights");
        RepositoryModelRegistry r = load();

        InferenceException e = resolveFails(r, "m", "2");

        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("Request for unknown model: 'm' version 2 is not at ready state: model 'm' version 2: engine "
                + "'fake' cannot load it: corrupt weights", e.getMessage());
        assertEquals(1, r.resolve("m", "").version());
        assertEquals(List.of(1L), r.readyVersions("m"));
    }

    @Test
    void withEveryVersionFailedAnEmptyVersionGivesEachReason() throws Exception {
        model("m", CONFIG + "version_policy: { all { } }", 1, 2);
        engine.failVersion("m", 1, "bad 1").failVersion("m", 2, "bad 2");

        InferenceException e = resolveFails(load(), "m", "");

        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertEquals("Request for unknown model: 'm' has no available versions: model 'm' has no ready version: "
                + "model 'm' version 1: engine 'fake' cannot load it: bad 1; "
                + "model 'm' version 2: engine 'fake' cannot load it: bad 2", e.getMessage());
    }

    @Test
    void readinessQueriesAnswerWithoutExceptions() throws Exception {
        model("m", CONFIG, 1);
        model("broken", "not a config", 1);
        RepositoryModelRegistry r = load();

        assertTrue(r.isReady("m", ""));
        assertTrue(r.isReady("m", "1"));
        assertFalse(r.isReady("m", "2"));
        assertFalse(r.isReady("m", "abc"));
        assertFalse(r.isReady("broken", ""));
        assertFalse(r.isReady("nope", ""));
        assertTrue(r.contains("broken"));
        assertFalse(r.contains("nope"));
        assertEquals(List.of(), r.readyVersions("broken"));
        assertFalse(r.allReady());
    }

    // ---- index and failures

    @Test
    void indexListsEveryVersionAndEveryFailure() throws Exception {
        model("b", CONFIG + "version_policy: { all { } }", 1, 2);
        model("a", CONFIG.replace("fake_platform", "pytorch_libtorch"), 1);
        engine.failVersion("b", 1, "boom");

        List<ModelIndexEntry> index = load().index();

        assertEquals(List.of(
                new ModelIndexEntry("a", "", ModelState.UNAVAILABLE, "model 'a': no engine for backend 'pytorch' on "
                        + "the class path (add the tensorline-engine-pytorch module)"),
                new ModelIndexEntry("b", "1", ModelState.UNAVAILABLE,
                        "model 'b' version 1: engine 'fake' cannot load it: boom"),
                new ModelIndexEntry("b", "2", ModelState.READY, "")), index);
        assertEquals(index.subList(0, 2), registry.loadFailures());
    }

    @Test
    void aFailingModelDoesNotStopTheOthers() throws Exception {
        model("good", CONFIG, 1);
        model("bad", "name: \"other\"\n" + CONFIG, 1);
        model("also_good", CONFIG, 1);
        RepositoryModelRegistry r = load(RepositoryModelRegistry.Options.defaults().withLoadThreads(3));

        assertEquals(List.of(new ModelIndexEntry("bad", "", ModelState.UNAVAILABLE,
                "model 'bad': name: 'other' (expected: the directory name 'bad')")), r.loadFailures());
        assertTrue(r.isReady("good", ""));
        assertTrue(r.isReady("also_good", ""));
    }

    @Test
    void anEmptyRepositoryIsReady() {
        RepositoryModelRegistry r = load();
        assertTrue(r.allReady());
        assertEquals(List.of(), r.index());
    }

    @Test
    void aRepositoryThatIsNotADirectoryFailsTheLoad() {
        assertThrows(IllegalArgumentException.class, () -> RepositoryModelRegistry.load(repo.resolve("missing"),
                RepositoryModelRegistry.Options.defaults(), new EngineRegistry(List.of(engine)), schedulers));
    }

    @Test
    void closeShutsDownEverySchedulerOnce() throws Exception {
        model("a", CONFIG + "version_policy: { all { } }", 1, 2);
        model("b", CONFIG, 1);
        RepositoryModelRegistry r = load();

        r.close();
        r.close();

        assertEquals(3, schedulers.created().size());
        schedulers.created().forEach(s -> assertEquals(1, s.shutdowns()));
        engine.instances().forEach(i -> assertTrue(i.closed()));
    }
}
