package io.tensorline.server.scheduler.sequence;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request of a sequence on its way through the batcher. The core thread sets {@link #stateIn} when it hands
 * the request to an instance; the instance thread sets {@link #stateOut} before it reports the batch done, and the
 * hand-over through the batcher's event queue orders those writes before the core reads them.
 */
final class SequenceRequest {

    final InferenceRequest request;
    final CorrelationId id;
    final boolean start;
    final boolean end;
    final long arrivalNanos;
    final CompletableFuture<List<Tensor>> reply;
    /** Requests are batched only with others whose inputs have the same names and shapes (batch dim aside). */
    final String shapeKey;

    SequenceCore.Sequence sequence;
    /** The state fed to the model; null means the initial state. */
    List<Tensor> stateIn;
    /** The state the model produced, one tensor per state in the spec's order; null when the request failed. */
    List<Tensor> stateOut;

    SequenceRequest(InferenceRequest request, CorrelationId.Flags flags, long arrivalNanos,
                    CompletableFuture<List<Tensor>> reply) {
        this.request = request;
        this.id = flags.id();
        this.start = flags.start();
        this.end = flags.end();
        this.arrivalNanos = arrivalNanos;
        this.reply = reply;
        this.shapeKey = shapeKey(request.inputs());
    }

    private static String shapeKey(List<Tensor> inputs) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : inputs) {
            sb.append(t.name()).append(':');
            long[] shape = t.shape();
            for (int i = 1; i < shape.length; i++) {
                sb.append(shape[i]).append(',');
            }
            sb.append(';');
        }
        return sb.toString();
    }
}
