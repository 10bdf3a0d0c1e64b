package io.tensorline.server.e2e;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.simulated.SimulatedEngineProvider;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A test engine ({@code backend: "gated"}) whose load, once it has written {@code <model>/waiting}, waits until the
 * test opens the model's gate: a file {@code <model>/release} appears (its content {@code fail} makes the load
 * fail). The loaded model is the simulated device's (each output a copy of its input), and its executions wait at
 * a second gate, {@link #executions}, open unless a test closes it: a test that closes it, sends a request and waits
 * until that request is executing ({@link Gate#awaitExecuting}) knows the instance stays busy, whatever the
 * machine's load, until it opens the gate again. Not registered on the test class path: a test offers it through
 * a class loader of its own ({@link #offeredTo}), so no other test's server sees the backend.
 */
public final class GatedEngineProvider implements EngineProvider {

    static final String BACKEND = "gated";
    static final String RELEASE = "release";
    static final String WAITING = "waiting";
    private static final long GATE_LIMIT_SECONDS = 60;
    private static final long GATE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(GATE_LIMIT_SECONDS);
    private static final Map<String, Gate> EXECUTIONS = new ConcurrentHashMap<>();

    /** The execution gate of the model named {@code model}; open until a test closes it. */
    static Gate executions(String model) {
        return EXECUTIONS.computeIfAbsent(model, m -> new Gate());
    }

    /**
     * A class loader that offers this engine to the server's engine lookup (which uses the context class loader);
     * {@code services} is a scratch folder for its service file.
     */
    static ClassLoader offeredTo(Path services, ClassLoader parent) throws IOException {
        Path file = services.resolve("META-INF/services/" + EngineProvider.class.getName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, GatedEngineProvider.class.getName() + "\n");
        return new URLClassLoader(new URL[] {services.toUri().toURL()}, parent);
    }

    /** Where executions wait; any thread. */
    static final class Gate {

        private volatile CountDownLatch open = new CountDownLatch(0);
        private final Semaphore executing = new Semaphore(0);

        /** Later executions wait until {@link #open}. */
        void close() {
            executing.drainPermits();
            open = new CountDownLatch(1);
        }

        void open() {
            open.countDown();
        }

        /** Waits (bounded) until an execution has reached the gate since it was closed. */
        void awaitExecuting() throws InterruptedException {
            if (!executing.tryAcquire(GATE_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("no execution reached the gate within " + GATE_LIMIT_SECONDS + " s");
            }
        }

        void pass(String model) throws EngineException {
            CountDownLatch latch = open;
            executing.release();
            try {
                if (!latch.await(GATE_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new EngineException("gated model '" + model + "': the test did not open the gate within "
                            + GATE_LIMIT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("gated model '" + model + "': interrupted at the gate");
            }
        }
    }


    @Override
    public String backend() {
        return BACKEND;
    }

    @Override
    public Set<String> platforms() {
        return Set.of(BACKEND);
    }

    @Override
    public String defaultModelFileName() {
        return "model.gated";
    }

    @Override
    public LoadedModel load(LoadRequest request) throws EngineException {
        Path model = request.modelPath().getParent().getParent();
        Path gate = model.resolve(RELEASE);
        long deadline = System.nanoTime() + GATE_LIMIT_NANOS;
        try {
            Files.writeString(model.resolve(WAITING), "");
            while (!Files.exists(gate)) {
                if (System.nanoTime() > deadline) {
                    throw new EngineException("gated model '" + request.modelName() + "': " + gate
                            + " did not appear within 60 s (expected: the test to open the gate)");
                }
                Thread.sleep(5);
            }
            if (Files.readString(gate, StandardCharsets.UTF_8).strip().equals("fail")) {
                throw new EngineException("gated model '" + request.modelName() + "': the test failed its load");
            }
        } catch (IOException e) {
            throw new EngineException("gated model '" + request.modelName() + "': " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("gated model '" + request.modelName() + "': interrupted at the gate");
        }
        LoadedModel simulated = new SimulatedEngineProvider().load(request);
        Gate executions = executions(request.modelName());
        String name = request.modelName();
        return new LoadedModel() {
            @Override
            public List<TensorSpec> inputs() {
                return simulated.inputs();
            }

            @Override
            public List<TensorSpec> outputs() {
                return simulated.outputs();
            }

            @Override
            public List<Tensor> execute(List<Tensor> inputs) throws EngineException {
                executions.pass(name);
                return simulated.execute(inputs);
            }

            @Override
            public void close() {
                simulated.close();
            }
        };
    }
}
