package io.tensorline.server.repository;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.testing.FakeModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartingRegistryTest {

    private static void assertNotReady(Executable call) {
        InferenceException e = assertThrows(InferenceException.class, call);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("Server not ready", e.getMessage());
    }

    private static void assertNotReadyFuture(java.util.concurrent.CompletableFuture<Void> f) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        InferenceException cause = assertInstanceOf(InferenceException.class, e.getCause());
        assertEquals(ErrorCode.UNAVAILABLE, cause.code());
        assertEquals("Server not ready", cause.getMessage());
    }

    @Test
    void beforeOpenEveryModelCallIsServerNotReady() {
        StartingRegistry r = new StartingRegistry();
        assertNotReady(() -> r.resolve("m", ""));
        assertNotReady(() -> r.contains("m"));
        assertNotReady(r::index);
        assertNotReadyFuture(r.loadModel("m", LoadParameters.NONE));
        assertNotReadyFuture(r.unloadModel("m", false));
        assertFalse(r.isReady("m", ""));
        assertEquals(List.of(), r.readyVersions("m"));
        assertFalse(r.allReady(), "an empty repository is ready only once it has been read");
        assertFalse(r.isOpen());
    }

    @Test
    void afterOpenEveryCallGoesToTheLoadedRegistry() {
        StartingRegistry r = new StartingRegistry();
        r.open(new FakeModelRegistry().addUnavailable("broken", "load failed"));
        assertTrue(r.isOpen());
        assertTrue(r.contains("broken"));
        assertFalse(r.contains("other"));
        assertEquals(List.of(new ModelIndexEntry("broken", "", ModelState.UNAVAILABLE, "load failed")), r.index());
        InferenceException e = assertThrows(InferenceException.class, () -> r.resolve("broken", ""));
        assertTrue(e.getMessage().contains("load failed"), e.getMessage());
        assertFalse(r.allReady(), "the loaded registry's readiness: a model failed");
        // outside explicit mode the loaded registry refuses load with Triton's words, not "Server not ready"
        ExecutionException load = assertThrows(ExecutionException.class, () -> r.loadModel("broken",
                LoadParameters.NONE).get());
        assertEquals(ModelRegistry.NOT_EXPLICIT, load.getCause().getMessage());
    }

    @Test
    void anEmptyRepositoryIsReadyOnceOpen() {
        StartingRegistry r = new StartingRegistry();
        r.open(new FakeModelRegistry());
        assertTrue(r.allReady());
        assertEquals(List.of(), r.index());
    }

    @Test
    void opensOnce() {
        StartingRegistry r = new StartingRegistry();
        r.open(new FakeModelRegistry());
        assertThrows(IllegalStateException.class, () -> r.open(new FakeModelRegistry()));
    }
}
