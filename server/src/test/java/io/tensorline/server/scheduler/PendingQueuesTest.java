package io.tensorline.server.scheduler;

import io.tensorline.server.config.QueuePolicySpec.TimeoutAction;
import io.tensorline.server.scheduler.PendingRequest.State;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tensorline.server.scheduler.TestRequests.pending;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PendingQueuesTest {

    private static PendingRequest withTimeout(String id, int level, long deadline) {
        PendingRequest r = pending(id, 1, 0);
        r.level = level;
        r.timeoutDeadline = deadline;
        r.timeoutAction = TimeoutAction.REJECT;
        return r;
    }

    private static List<String> order(PendingQueues q) {
        List<String> ids = new ArrayList<>();
        q.inOrder().forEachRemaining(r -> ids.add(r.request.id()));
        return ids;
    }

    @Test
    void answeredRequestsDoNotStayReferencedByTheTimeoutHeap() {
        PendingQueues q = new PendingQueues(1);
        List<PendingRequest> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // later requests expire first, so the dispatched ones never reach the heap's head
            PendingRequest r = withTimeout("r" + i, 1, 1_000_000 - i);
            q.add(r);
            all.add(r);
        }
        for (PendingRequest r : all.subList(0, 199)) {
            q.remove(r, State.DISPATCHED);
        }
        q.compact();
        assertEquals(1, q.trackedTimeouts());
        assertEquals(1, q.waiting());
        assertEquals(List.of("r199"), order(q));
    }

    @Test
    void iterationSkipsGoneRequestsAndVisitsLevelsThenDelayedRequests() {
        PendingQueues q = new PendingQueues(2);
        PendingRequest a = withTimeout("a", 1, 10);
        PendingRequest b = withTimeout("b", 1, Long.MAX_VALUE);
        PendingRequest c = withTimeout("c", 2, Long.MAX_VALUE);
        PendingRequest d = withTimeout("d", 1, Long.MAX_VALUE);
        a.timeoutAction = TimeoutAction.DELAY;
        for (PendingRequest r : List.of(a, b, c, d)) {
            q.add(r);
        }
        q.remove(b, State.DONE);
        q.expire(10, r -> {
            throw new AssertionError("DELAY never rejects");
        });
        assertEquals(List.of("d", "a", "c"), order(q));
        assertEquals(2, q.waiting(1));
        assertEquals(1, q.waiting(2));
    }
}
