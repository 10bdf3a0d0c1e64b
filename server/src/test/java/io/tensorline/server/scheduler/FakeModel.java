package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A hand-written engine instance: runs whatever behaviour a test gives it and remembers what it was given. */
final class FakeModel implements LoadedModel {

    @FunctionalInterface
    interface Behaviour {
        List<Tensor> run(List<Tensor> inputs) throws EngineException;
    }

    /** Returns its inputs renamed INPUTk -> OUTPUTk, sharing their buffers (as an engine that aliases would). */
    static final Behaviour ECHO = inputs -> inputs.stream()
            .map(t -> t.rename(t.name().replace("INPUT", "OUTPUT"))).toList();

    /** An echo that signals {@code entered} when it starts and runs on once {@code release} opens (30 s at most). */
    static FakeModel blocking(CountDownLatch entered, CountDownLatch release) {
        return new FakeModel(inputs -> {
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new AssertionError("never released");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return ECHO.run(inputs);
        });
    }

    private final Behaviour behaviour;
    final List<List<Tensor>> calls = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();

    FakeModel(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    @Override
    public List<TensorSpec> inputs() {
        return List.of();
    }

    @Override
    public List<TensorSpec> outputs() {
        return List.of();
    }

    @Override
    public List<Tensor> execute(List<Tensor> inputs) throws EngineException {
        calls.add(inputs);
        return behaviour.run(inputs);
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
