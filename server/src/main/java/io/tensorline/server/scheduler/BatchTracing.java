package io.tensorline.server.scheduler;

import io.tensorline.server.trace.ExecutionTrace;
import io.tensorline.server.trace.RequestTrace;

import java.util.List;

/**
 * Hands an execution's timestamps (the ones statistics record) to the traces of the requests that ran in it. Only
 * reached when at least one of them is traced; untraced requests cost the null check in {@link #anyTraced}.
 */
final class BatchTracing {

    private BatchTracing() {
    }

    static boolean anyTraced(List<PendingRequest> requests) {
        for (int i = 0, n = requests.size(); i < n; i++) {
            if (requests.get(i).request.trace() != null) {
                return true;
            }
        }
        return false;
    }

    /** One execution of {@code requests}: a {@code batch_execution} span, and each traced request's phases. */
    static void record(List<PendingRequest> requests, int rows, long start, long assembled, long executed,
                       long split, long now) {
        ExecutionTrace execution = null;
        for (PendingRequest r : requests) {
            RequestTrace t = r.request.trace();
            if (t == null) {
                continue;
            }
            if (execution == null) {
                execution = t.execution(rows, requests.size(), start, assembled, executed, split, now);
            }
            t.ran(execution, r.arrivalNanos);
        }
    }
}
