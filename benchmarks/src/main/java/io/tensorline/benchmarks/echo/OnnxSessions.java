package io.tensorline.benchmarks.echo;

import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONNX Runtime sessions of one model for the bare servers, one per transport thread (a session is never run by two
 * threads at once), each with one intra-op thread as Tensorline's instances have.
 */
final class OnnxSessions {

    private final List<LoadedModel> sessions = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final ThreadLocal<LoadedModel> mine = ThreadLocal.withInitial(
            () -> sessions.get(next.getAndIncrement() % sessions.size()));

    OnnxSessions(Path model, int threads) throws EngineException {
        EngineProvider onnx = ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.backend().equals("onnxruntime")).findFirst().orElseThrow();
        for (int i = 0; i < threads; i++) {
            sessions.add(onnx.load(new LoadRequest(model.getFileName().toString(), 1, model, Device.CPU,
                    Map.of("intra_op_thread_count", "1"), List.of(), List.of(), 8, threads)));
        }
    }

    /** The calling thread's session. */
    LoadedModel session() {
        return mine.get();
    }
}
