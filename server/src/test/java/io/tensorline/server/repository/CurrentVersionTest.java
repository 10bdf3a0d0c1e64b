package io.tensorline.server.repository;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CurrentVersionTest {

    /** Answers every request at once with no outputs; records nothing. */
    private static final Scheduler ANSWERS = new Scheduler() {
        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public void shutdown() {
        }
    };

    private static ModelVersion version(boolean retired) {
        ModelVersion v = TestModelVersions.identityOn(ANSWERS, "m", DataType.FP32, 8, 4);
        if (retired) {
            v.retire();
        }
        return v;
    }

    /** Resolves to the versions given, in turn, then to the last one; counts the resolves. */
    private static class Turns implements ModelRegistry {
        final List<ModelVersion> turns;
        final List<String> asked = new ArrayList<>();

        Turns(ModelVersion... turns) {
            this.turns = List.of(turns);
        }

        @Override
        public ModelVersion resolve(String name, String version) {
            asked.add(name + "/" + version);
            return turns.get(Math.min(asked.size() - 1, turns.size() - 1));
        }

        @Override
        public boolean isReady(String name, String version) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean contains(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Long> readyVersions(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ModelIndexEntry> index() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean allReady() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private static CompletableFuture<List<Tensor>> submitted(ModelVersion mv) {
        return mv.trySubmit(null, 1);
    }

    @Test
    void aVersionRetiredBeforeTheSubmitIsReplacedByTheOneResolvedAfterIt() {
        ModelVersion successor = version(false);
        Turns registry = new Turns(version(true), version(true), successor);

        CurrentVersion.Accepted<List<Tensor>> accepted =
                CurrentVersion.submit(registry, "m", "", CurrentVersionTest::submitted);

        assertSame(successor, accepted.version());
        assertEquals(List.of(), accepted.result().join());
        assertEquals(List.of("m/", "m/", "m/"), registry.asked);
    }

    @Test
    void theVersionAStepResolvedEarlierIsTriedBeforeTheRegistryIsAsked() {
        ModelVersion earlier = version(false);
        Turns registry = new Turns(version(false));

        assertSame(earlier,
                CurrentVersion.submit(registry, earlier, "m", "2", CurrentVersionTest::submitted).version());
        assertEquals(List.of(), registry.asked);

        ModelVersion successor = version(false);
        Turns reloaded = new Turns(successor);
        assertSame(successor, CurrentVersion.submit(reloaded, version(true), "m", "2",
                CurrentVersionTest::submitted).version());
        assertEquals(List.of("m/2"), reloaded.asked);
    }

    @Test
    void aModelThatKeepsBeingReloadedIsRefusedAsUnavailableAfterTheBound() {
        Turns registry = new Turns(version(true));

        InferenceException e = assertThrows(InferenceException.class,
                () -> CurrentVersion.submit(registry, "m", "", CurrentVersionTest::submitted));

        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("model 'm' is being reloaded; retry the request", e.getMessage());
        assertEquals(CurrentVersion.MAX_ATTEMPTS, registry.asked.size());
    }

    @Test
    void theRegistrysOwnErrorPassesThroughOnceTheModelIsGone() {
        InferenceException gone = InferenceException.unavailable("model 'm' is not ready");
        ModelVersion retired = version(true);
        ModelRegistry unloaded = new Turns() {
            @Override
            public ModelVersion resolve(String name, String version) {
                throw gone;
            }
        };

        assertSame(gone, assertThrows(InferenceException.class,
                () -> CurrentVersion.submit(unloaded, retired, "m", "", CurrentVersionTest::submitted)));
    }
}
