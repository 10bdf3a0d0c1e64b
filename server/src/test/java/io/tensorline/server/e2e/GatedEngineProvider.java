package io.tensorline.server.e2e;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.server.simulated.SimulatedEngineProvider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A test engine ({@code backend: "gated"}) whose load, once it has written {@code <model>/waiting}, waits until the
 * test opens the model's gate: a file {@code <model>/release} appears (its content {@code fail} makes the load
 * fail). The loaded model is the simulated
 * device's (each output a copy of its input). Not registered on the test class path: {@link EarlyEndpointsTest}
 * offers it through a class loader of its own, so no other test's server sees the backend.
 */
public final class GatedEngineProvider implements EngineProvider {

    static final String BACKEND = "gated";
    static final String RELEASE = "release";
    static final String WAITING = "waiting";
    private static final long GATE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

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
        return new SimulatedEngineProvider().load(request);
    }
}
