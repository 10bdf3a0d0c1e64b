package io.tensorline.server.shm;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.core.SharedMemoryParameters.Reference;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The regions one request reads inputs from and writes outputs to. The codec that decodes the request fills it
 * (one thread); {@link #attach} then hands it to the thread that completes the request, which writes the outputs
 * and gives the holds back, so a region unregistered meanwhile stays mapped until this request is done with it.
 */
public final class SharedMemoryUse {

    private final SharedMemoryRegistry registry;
    // allocated on first use: most requests name no region
    private List<SharedMemoryRegion> held = List.of();
    private Map<String, Binding> outputs = Map.of();
    private boolean released;

    private record Binding(Reference ref, ByteBuffer view) {
    }

    SharedMemoryUse(SharedMemoryRegistry registry) {
        this.registry = registry;
    }

    /** The input's bytes: a view of the mapped region, not a copy. */
    public ByteBuffer input(Reference ref) {
        return view(ref);
    }

    /** Binds an output to its place in a region; the response will carry no data for it. */
    public void output(Reference ref) {
        ByteBuffer view = view(ref);
        if (outputs.isEmpty()) {
            outputs = new HashMap<>(4);
        }
        outputs.put(ref.tensor(), new Binding(ref, view));
    }

    private ByteBuffer view(Reference ref) {
        SharedMemoryRegion r = registry.hold(ref.region());
        if (held.isEmpty()) {
            held = new ArrayList<>(2);
        }
        held.add(r);
        return r.view(ref);
    }

    /** Whether output {@code name} goes to shared memory (its answer then has no data). */
    public boolean holdsOutput(String name) {
        return outputs.containsKey(name);
    }

    /**
     * The response once the outputs bound to regions are written there. Cancelling the returned future cancels
     * {@code response}; the holds are given back when it completes, however it does.
     */
    public CompletableFuture<InferenceResponse> attach(CompletableFuture<InferenceResponse> response) {
        if (held.isEmpty()) {
            return response;
        }
        CompletableFuture<InferenceResponse> written = response.thenApply(this::write);
        written.whenComplete((r, e) -> {
            if (!response.isDone()) {
                response.cancel(false);
            }
            release();
        });
        return written;
    }

    private InferenceResponse write(InferenceResponse response) {
        if (outputs.isEmpty()) {
            return response;
        }
        for (Tensor t : response.outputs()) {
            Binding b = outputs.get(t.name());
            if (b == null) {
                continue;
            }
            if (t.byteSize() > b.ref().byteSize()) {
                throw InferenceException.internal("shared memory size specified with the request for output '%s' "
                        + "(%d bytes) should be at least %d bytes to hold the results", t.name(), b.ref().byteSize(),
                        t.byteSize());
            }
            b.view().duplicate().put(t.data());
        }
        return response;
    }

    /** Gives the holds back (when the request failed before it was submitted, or once it is done). Idempotent. */
    public synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        for (SharedMemoryRegion r : held) {
            r.release();
        }
    }
}
