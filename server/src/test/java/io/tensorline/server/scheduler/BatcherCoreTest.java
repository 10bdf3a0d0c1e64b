package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.config.QueuePolicySpec.TimeoutAction;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static io.tensorline.server.scheduler.TestRequests.pending;
import static io.tensorline.server.scheduler.TestRequests.shaped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batching policy as a state machine: a fake clock, fake instances (a list of sent batches), no threads. */
class BatcherCoreTest {

    private static final long US = 1000;
    private static final long T0 = 1_000_000_000L;

    private final FakeClock clock = new FakeClock(T0);
    private final List<Batch> sent = new ArrayList<>();
    private final ModelStats stats = new ModelStats("m", 1);
    private final Completer completer = new Completer(stats, clock);
    private final List<String> completionOrder = Collections.synchronizedList(new ArrayList<>());
    private BatchingPolicy policy;
    private BatcherCore core;

    private void start(BatchingPolicy p, int instances) {
        policy = p;
        core = new BatcherCore(p, "'m' version 1", instances, sent::add, completer, stats);
    }

    private static BatchingPolicy policy(int maxBatch, int[] preferred, long delayMicros) {
        return new BatchingPolicy(maxBatch, preferred, delayMicros * US, false, 1, 1,
                List.of(QueuePolicySpec.DEFAULT), 1024);
    }

    private static BatchingPolicy withQueuePolicy(int maxBatch, QueuePolicySpec queuePolicy) {
        return new BatchingPolicy(maxBatch, new int[] {maxBatch}, 0, false, 1, 1, List.of(queuePolicy), 1024);
    }

    private static BatchingPolicy twoLevels(int maxBatch, int defaultLevel, QueuePolicySpec level1,
                                            QueuePolicySpec level2) {
        return new BatchingPolicy(maxBatch, new int[] {maxBatch}, 0, false, 2, defaultLevel, List.of(level1, level2),
                1024);
    }

    /** A request arrives at the clock's time and the batcher reacts, as at the end of a ring batch. */
    private PendingRequest arrive(String id, int rows, Object... parameters) {
        PendingRequest r = pending(id, rows, clock.nanoTime(), parameters);
        r.reply.whenComplete((v, e) -> completionOrder.add(id));
        core.onRequest(r);
        core.step(clock.nanoTime());
        return r;
    }

    /** The instance finishes the batch successfully, answering as a real instance thread would. */
    private void finish(Batch batch) {
        for (PendingRequest r : batch.requests()) {
            r.succeed(List.of(r.request.inputs().get(0).rename("OUTPUT0")));
            if (!policy.preserveOrdering()) {
                completer.release(r);
            }
        }
        core.onBatchDone(batch, clock.nanoTime());
        core.step(clock.nanoTime());
    }

    private Batch lastSent() {
        return sent.get(sent.size() - 1);
    }

    private static List<String> ids(Batch b) {
        return b.requests().stream().map(r -> r.request.id()).toList();
    }

    private static InferenceException failure(PendingRequest r) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> r.reply.get());
        return assertInstanceOf(InferenceException.class, e.getCause());
    }

    @Test
    void loneRequestRunsAtOnce() {
        start(policy(8, new int[] {8}, 0), 1);
        arrive("a", 1);
        assertEquals(1, sent.size());
        assertEquals(List.of("a"), ids(lastSent()));
        assertEquals(0, lastSent().instance());
        assertEquals(Long.MAX_VALUE, core.nextDeadline());
    }

    @Test
    void requestsWaitWhileInstancesAreBusyThenRunTogether() {
        start(policy(8, new int[] {8}, 0), 1);
        arrive("a", 1);
        arrive("b", 1);
        arrive("c", 2);
        arrive("d", 1);
        assertEquals(1, sent.size(), "the only instance is busy");
        assertEquals(3, core.waiting());
        finish(sent.get(0));
        assertEquals(List.of("b", "c", "d"), ids(lastSent()));
        assertEquals(4, lastSent().rows());
    }

    @Test
    void batchStopsBeforeExceedingMaxBatchSizeAndNeverSplitsARequest() {
        start(policy(8, new int[] {8}, 0), 1);
        Batch first = sendBlocker();
        arrive("a", 3);
        arrive("b", 3);
        arrive("c", 3);
        finish(first);
        assertEquals(List.of("a", "b"), ids(lastSent()));
        assertEquals(6, lastSent().rows());
        finish(lastSent());
        assertEquals(List.of("c"), ids(lastSent()));
        assertEquals(3, lastSent().rows());
    }

    @Test
    void eachIdleInstanceTakesTheNextBatch() {
        start(policy(2, new int[] {2}, 0), 2);
        Batch first = sendBlocker();
        Batch second = sendBlocker();
        assertEquals(List.of(0, 1), List.of(first.instance(), second.instance()));
        arrive("a", 1);
        arrive("b", 1);
        arrive("c", 1);
        finish(first);
        finish(second);
        assertEquals(List.of("a", "b"), ids(sent.get(2)));
        assertEquals(0, sent.get(2).instance());
        assertEquals(List.of("c"), ids(sent.get(3)));
        assertEquals(1, sent.get(3).instance());
    }

    @Test
    void requestsWithDifferentShapesAreNeverMixed() {
        start(policy(8, new int[] {8}, 0), 1);
        Batch first = sendBlocker();
        PendingRequest wide = shaped("wide", 1, 8, clock.nanoTime());
        core.onRequest(shaped("a", 1, 4, clock.nanoTime()));
        core.onRequest(wide);
        core.onRequest(shaped("b", 1, 4, clock.nanoTime()));
        core.step(clock.nanoTime());
        finish(first);
        assertEquals(List.of("a"), ids(lastSent()), "the batch stops at the first request of another shape");
        finish(lastSent());
        assertEquals(List.of("wide"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("b"), ids(lastSent()));
    }

    @Test
    void queueDelayWaitsFromTheOldestRequestsArrival() {
        start(policy(8, new int[] {8}, 100), 1);
        arrive("a", 1);
        clock.advanceMicros(60);
        arrive("b", 1);
        assertTrue(sent.isEmpty(), "an idle instance waits for a larger batch");
        assertEquals(T0 + 100 * US, core.nextDeadline());
        clock.advanceMicros(39);
        core.step(clock.nanoTime());
        assertTrue(sent.isEmpty());
        clock.advanceMicros(1);
        core.step(clock.nanoTime());
        assertEquals(List.of("a", "b"), ids(lastSent()));
        assertEquals(Long.MAX_VALUE, core.nextDeadline());
    }

    @Test
    void reachingMaxBatchSizeSendsAtOnceDespiteTheDelay() {
        start(policy(4, new int[] {4}, 1000), 1);
        arrive("a", 2);
        assertTrue(sent.isEmpty());
        arrive("b", 2);
        assertEquals(List.of("a", "b"), ids(lastSent()));
    }

    @Test
    void reachingAPreferredSizeSendsItAtOnceDespiteTheDelay() {
        start(policy(8, new int[] {2, 6}, 1000), 1);
        arrive("a", 1);
        assertTrue(sent.isEmpty());
        arrive("b", 1);
        assertEquals(List.of("a", "b"), ids(lastSent()));
    }

    @Test
    void largestReachablePreferredSizeIsSentWhenRequestsPiledUp() {
        start(policy(8, new int[] {2, 4}, 0), 1);
        Batch first = sendBlocker();
        for (String id : List.of("a", "b", "c", "d", "e", "f")) {
            arrive(id, 1);
        }
        finish(first);
        assertEquals(List.of("a", "b", "c", "d"), ids(lastSent()), "4 is the largest preferred size reachable");
        finish(lastSent());
        assertEquals(List.of("e", "f"), ids(lastSent()));
    }

    @Test
    void withoutDelayWhateverIsPendingIsSent() {
        start(policy(8, new int[] {8}, 0), 1);
        Batch first = sendBlocker();
        arrive("a", 1);
        arrive("b", 2);
        finish(first);
        assertEquals(List.of("a", "b"), ids(lastSent()));
    }

    @Test
    void aRequestThatCannotJoinSendsThePendingBatchDespiteTheDelay() {
        start(policy(8, new int[] {8}, 1000), 1);
        core.onRequest(shaped("a", 1, 4, clock.nanoTime()));
        core.onRequest(shaped("b", 1, 4, clock.nanoTime()));
        core.onRequest(shaped("other-shape", 1, 2, clock.nanoTime()));
        core.step(clock.nanoTime());
        assertEquals(List.of("a", "b"), ids(lastSent()), "the batch cannot grow any more");
    }

    @Test
    void aRequestThatWouldExceedMaxBatchSizeSendsThePendingBatchDespiteTheDelay() {
        start(policy(8, new int[] {8}, 1000), 1);
        core.onRequest(pending("a", 5, clock.nanoTime()));
        core.onRequest(pending("b", 4, clock.nanoTime()));
        core.step(clock.nanoTime());
        assertEquals(List.of("a"), ids(lastSent()));
    }

    @Test
    void higherPriorityLevelsGoFirst() {
        start(twoLevels(2, 2, QueuePolicySpec.DEFAULT, QueuePolicySpec.DEFAULT), 1);
        Batch first = sendBlocker();
        arrive("low-1", 1, "priority", 2L);
        arrive("high", 1, "priority", 1L);
        arrive("low-2", 1, "priority", 2L);
        finish(first);
        assertEquals(List.of("high", "low-1"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("low-2"), ids(lastSent()));
    }

    @Test
    void requestsWithoutAValidPriorityGetTheDefaultLevel() {
        start(twoLevels(1, 2, QueuePolicySpec.DEFAULT, QueuePolicySpec.DEFAULT), 1);
        Batch first = sendBlocker();
        arrive("none", 1);
        arrive("zero", 1, "priority", 0L);
        arrive("too-low", 1, "priority", 3L);
        arrive("high", 1, "priority", 1L);
        finish(first);
        assertEquals(List.of("high"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("none"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("zero"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("too-low"), ids(lastSent()));
    }

    @Test
    void aFullQueueRejectsAtOnce() {
        start(withQueuePolicy(1, new QueuePolicySpec(TimeoutAction.REJECT, 0, false, 2)), 1);
        sendBlocker();
        arrive("a", 1);
        arrive("b", 1);
        PendingRequest c = arrive("c", 1);
        InferenceException e = failure(c);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().startsWith("[request id: c] Exceeds maximum queue size"), e.getMessage());
        assertTrue(e.getMessage().contains("max_queue_size 2"), e.getMessage());
        assertEquals(2, core.waiting());
        assertEquals(1, stats.snapshot().failuresByReason().get(FailureReason.REJECTED).count());
    }

    @Test
    void aFullLevelDoesNotRejectOtherLevels() {
        start(twoLevels(1, 2, QueuePolicySpec.DEFAULT, new QueuePolicySpec(TimeoutAction.REJECT, 0, false, 1)), 1);
        sendBlocker();
        arrive("low", 1);
        PendingRequest rejected = arrive("low-again", 1);
        PendingRequest high = arrive("high", 1, "priority", 1L);
        assertEquals(ErrorCode.UNAVAILABLE, failure(rejected).code());
        assertFalse(high.reply.isDone());
        assertEquals(2, core.waiting());
    }

    @Test
    void theBatchersCapacityBoundsAnUnlimitedQueue() {
        start(new BatchingPolicy(1, new int[] {1}, 0, false, 1, 1, List.of(QueuePolicySpec.DEFAULT), 2), 1);
        sendBlocker();
        arrive("a", 1);
        arrive("b", 1);
        InferenceException e = failure(arrive("c", 1));
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("capacity"), e.getMessage());
    }

    @Test
    void anExpiredTimeoutWithRejectFailsTheRequestAtItsDeadline() {
        start(withQueuePolicy(8, new QueuePolicySpec(TimeoutAction.REJECT, 100, false, 0)), 1);
        sendBlocker();
        PendingRequest a = arrive("a", 1);
        assertEquals(T0 + 100 * US, core.nextDeadline(), "the batcher must wake up for the timeout");
        clock.advanceMicros(99);
        core.step(clock.nanoTime());
        assertFalse(a.reply.isDone());
        clock.advanceMicros(1);
        core.step(clock.nanoTime());
        InferenceException e = failure(a);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().startsWith("Request timeout expired"), e.getMessage());
        assertEquals(0, core.waiting());
        assertEquals(Long.MAX_VALUE, core.nextDeadline());
        assertEquals(1, stats.snapshot().failuresByReason().get(FailureReason.REJECTED).count());
    }

    @Test
    void anExpiredTimeoutWithDelayMovesTheRequestBehindUnexpiredOnes() {
        start(withQueuePolicy(1, new QueuePolicySpec(TimeoutAction.DELAY, 100, false, 0)), 1);
        Batch first = sendBlocker();
        PendingRequest a = arrive("a", 1);
        clock.advanceMicros(50);
        arrive("b", 1);
        clock.advanceMicros(50);
        core.step(clock.nanoTime());
        assertFalse(a.reply.isDone(), "DELAY keeps the request");
        assertEquals(T0 + 150 * US, core.nextDeadline(), "b's timeout is next");
        finish(first);
        assertEquals(List.of("b"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("a"), ids(lastSent()), "the delayed request still runs");
    }

    @Test
    void aDelayedRequestStaysAheadOfLowerPriorityLevels() {
        start(twoLevels(1, 1, new QueuePolicySpec(TimeoutAction.DELAY, 100, false, 0), QueuePolicySpec.DEFAULT), 1);
        Batch first = sendBlocker();
        arrive("high-expired", 1, "priority", 1L);
        arrive("low", 1, "priority", 2L);
        clock.advanceMicros(100);
        core.step(clock.nanoTime());
        arrive("high-fresh", 1, "priority", 1L);
        finish(first);
        assertEquals(List.of("high-fresh"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("high-expired"), ids(lastSent()));
        finish(lastSent());
        assertEquals(List.of("low"), ids(lastSent()));
    }

    @Test
    void aShorterRequestTimeoutOverridesTheDefaultWhenAllowed() {
        start(withQueuePolicy(8, new QueuePolicySpec(TimeoutAction.REJECT, 1000, true, 0)), 1);
        sendBlocker();
        PendingRequest shorter = arrive("shorter", 1, "timeout", 100L);
        PendingRequest longer = arrive("longer", 1, "timeout", 5000L);
        assertEquals(T0 + 100 * US, core.nextDeadline());
        clock.advanceMicros(100);
        core.step(clock.nanoTime());
        assertEquals(ErrorCode.UNAVAILABLE, failure(shorter).code());
        assertFalse(longer.reply.isDone());
        assertEquals(T0 + 1000 * US, core.nextDeadline(), "a longer timeout than the default is ignored");
    }

    @Test
    void requestTimeoutIsIgnoredWithoutOverrideOrWithoutDefault() {
        start(new BatchingPolicy(8, new int[] {8}, 0, false, 2, 1, List.of(
                new QueuePolicySpec(TimeoutAction.REJECT, 1000, false, 0),
                new QueuePolicySpec(TimeoutAction.REJECT, 0, true, 0)), 1024), 1);
        sendBlocker();
        arrive("not-allowed", 1, "timeout", 100L, "priority", 1L);
        assertEquals(T0 + 1000 * US, core.nextDeadline());
        arrive("no-default", 1, "timeout", 100L, "priority", 2L);
        assertEquals(T0 + 1000 * US, core.nextDeadline(), "with a default of 0 a request timeout has no effect");
    }

    @Test
    void aTimeoutTooLongToRepresentNeverExpires() {
        start(withQueuePolicy(8, new QueuePolicySpec(TimeoutAction.REJECT, Long.MAX_VALUE / 10, false, 0)), 1);
        sendBlocker();
        PendingRequest a = arrive("a", 1);
        assertEquals(Long.MAX_VALUE, core.nextDeadline());
        clock.set(Long.MAX_VALUE - 1);
        core.step(clock.nanoTime());
        assertFalse(a.reply.isDone());
    }

    @Test
    void preserveOrderingHoldsLaterResultsUntilEarlierOnesAreAnswered() {
        start(new BatchingPolicy(1, new int[] {1}, 0, true, 1, 1, List.of(QueuePolicySpec.DEFAULT), 1024), 2);
        PendingRequest a = arrive("a", 1);
        PendingRequest b = arrive("b", 1);
        Batch first = sent.get(0);
        Batch second = sent.get(1);
        finish(second);
        assertFalse(b.reply.isDone(), "b finished first but waits for a");
        finish(first);
        assertTrue(a.reply.isDone());
        assertTrue(b.reply.isDone());
        assertEquals(List.of("a", "b"), completionOrder);
    }

    @Test
    void preserveOrderingAlsoOrdersTimeouts() {
        start(new BatchingPolicy(1, new int[] {1}, 0, true, 1, 1,
                List.of(new QueuePolicySpec(TimeoutAction.REJECT, 100, false, 0)), 1024), 1);
        PendingRequest a = arrive("a", 1);
        PendingRequest b = arrive("b", 1);
        clock.advanceMicros(100);
        core.step(clock.nanoTime());
        assertFalse(b.reply.isDone(), "b timed out, but a was first and is still running");
        finish(sent.get(0));
        assertEquals(ErrorCode.UNAVAILABLE, failure(b).code());
        assertEquals(List.of("a", "b"), completionOrder);
    }

    @Test
    void requestsOfSeveralRowsCountAllTheirRows() {
        start(policy(16, new int[] {16}, 0), 1);
        Batch first = sendBlocker();
        arrive("a", 3);
        arrive("b", 5);
        finish(first);
        Batch batch = lastSent();
        assertEquals(8, batch.rows());
        assertEquals(List.of(3, 5), batch.requests().stream().map(r -> r.rows).toList());
    }

    @Test
    void aCancelledRequestIsDroppedBeforeItRuns() {
        start(policy(8, new int[] {8}, 0), 1);
        Batch first = sendBlocker();
        PendingRequest a = arrive("a", 1);
        arrive("b", 1);
        a.reply.cancel(false);
        finish(first);
        assertEquals(List.of("b"), ids(lastSent()));
        assertEquals(1, stats.snapshot().failuresByReason().get(FailureReason.CANCELED).count());
    }

    @Test
    void shutdownFailsWaitingRequestsWithUnavailableAndRefusesNewOnes() {
        start(policy(1, new int[] {1}, 0), 1);
        Batch running = sendBlocker();
        PendingRequest waiting = arrive("waiting", 1);
        core.shutdown();
        InferenceException e = failure(waiting);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("model 'm' version 1 is unloading", e.getMessage());
        PendingRequest late = arrive("late", 1);
        assertEquals(ErrorCode.UNAVAILABLE, failure(late).code());
        finish(running);
        assertEquals(1, sent.size(), "nothing runs after shutdown");
        assertTrue(running.requests().get(0).reply.isDone(), "the running batch is still answered");
        assertEquals(0, stats.snapshot().pendingRequests());
    }

    @Test
    void requestsOfABatchThatNeverReturnsFailAfterShutdown() {
        start(new BatchingPolicy(1, new int[] {1}, 0, true, 1, 1, List.of(QueuePolicySpec.DEFAULT), 1024), 1);
        PendingRequest stuck = arrive("stuck", 1);
        core.shutdown();
        assertFalse(stuck.reply.isDone());
        core.failUnfinished();
        assertEquals(ErrorCode.UNAVAILABLE, failure(stuck).code());
    }

    @Test
    void drainingRunsWaitingRequestsWithoutTheDelayAndRefusesNewOnes() {
        start(policy(8, new int[] {8}, 1_000_000), 1);
        arrive("a", 1);
        assertEquals(0, sent.size(), "waits for more rows");
        core.drain();
        assertFalse(core.finished());
        PendingRequest late = arrive("late", 1);
        assertEquals("model 'm' version 1 is unloading", failure(late).getMessage());
        assertEquals(List.of("a"), ids(lastSent()), "sent at once, the delay notwithstanding");
        assertFalse(core.finished(), "a batch still runs");
        finish(lastSent());
        assertTrue(core.finished());
    }

    @Test
    void aDrainingCoreWithPreserveOrderingFinishesOnlyOnceEveryAnswerIsReleased() {
        start(new BatchingPolicy(1, new int[] {1}, 0, true, 1, 1, List.of(QueuePolicySpec.DEFAULT), 1024), 2);
        PendingRequest a = arrive("a", 1);
        PendingRequest b = arrive("b", 1);
        Batch first = sent.get(0);
        core.drain();
        finish(sent.get(1));
        assertFalse(b.reply.isDone(), "b waits for a");
        assertFalse(core.finished());
        finish(first);
        assertTrue(a.reply.isDone() && b.reply.isDone());
        assertEquals(List.of("a", "b"), completionOrder);
        assertTrue(core.finished());
    }

    /** A queue delay the test sets by hand, remembering what the core reported. */
    private static final class SettableDelay implements QueueDelay {
        long nanos;
        final List<Long> observed = new ArrayList<>();

        @Override
        public long nanos() {
            return nanos;
        }

        @Override
        public void observe(long arrivalNanos, long doneNanos, boolean lastOfBatch) {
            observed.add(doneNanos - arrivalNanos);
        }
    }

    @Test
    void aTunedQueueDelayIsReadAtEveryBatchAndFedTheLatencies() {
        SettableDelay delay = new SettableDelay();
        policy = policy(8, new int[] {8}, 0);
        core = new BatcherCore(policy, ReleaseStrategy.immediate(), delay, "'m' version 1", 1, sent::add, completer,
                rs -> rs.forEach(completer::release), stats);
        arrive("a", 1);
        assertEquals(1, sent.size(), "delay 0: sent at once");
        clock.advanceMicros(300);
        finish(lastSent());
        assertEquals(List.of(300 * US), delay.observed);
        delay.nanos = 1000 * US;
        arrive("b", 1);
        assertEquals(1, sent.size(), "now it waits for more rows");
        clock.advanceMicros(1000);
        core.step(clock.nanoTime());
        assertEquals(List.of("b"), ids(lastSent()));
    }

    @Test
    void pendingCountIsPublishedToStats() {
        start(policy(1, new int[] {1}, 0), 1);
        sendBlocker();
        arrive("a", 1);
        arrive("b", 1);
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(2, s.pendingRequests());
    }

    @Test
    void answersCarryTheInstancesOutputs() throws Exception {
        start(policy(8, new int[] {8}, 0), 1);
        PendingRequest a = arrive("a", 1);
        finish(lastSent());
        List<Tensor> outputs = a.reply.get();
        assertEquals("OUTPUT0", outputs.get(0).name());
        assertEquals(1, stats.snapshot().success().count());
    }

    @Test
    void policyRejectsPreferredSizesAboveMaxBatchSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> policy(4, new int[] {8}, 0));
        assertTrue(e.getMessage().contains("expected: 1 to max_batch_size 4"), e.getMessage());
    }

    /** Occupies the next idle instance with a one-row request, as the first arrival of a busy period. */
    private Batch sendBlocker() {
        int before = sent.size();
        PendingRequest r = pending("blocker-" + before, 1, clock.nanoTime());
        core.onRequest(r);
        core.step(clock.nanoTime());
        assertEquals(before + 1, sent.size(), "an idle instance takes a lone request at once");
        Batch b = lastSent();
        assertSame(r, b.requests().get(0));
        return b;
    }
}
