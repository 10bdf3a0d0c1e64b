package io.tensorline.perf.load;

import io.tensorline.perf.transport.PreparedInfer;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Hands out the prepared requests (one per input set) in turn, from any thread. */
public final class RequestCycle {

    private final List<PreparedInfer> requests;
    private final AtomicLong next = new AtomicLong();

    public RequestCycle(List<PreparedInfer> requests) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("no prepared requests (expected: at least one input set)");
        }
        this.requests = List.copyOf(requests);
    }

    public PreparedInfer next() {
        if (requests.size() == 1) {
            return requests.get(0);
        }
        return requests.get((int) Long.remainderUnsigned(next.getAndIncrement(), requests.size()));
    }
}
