package io.tensorline.perf.load;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.cli.Distribution;
import io.tensorline.perf.measure.Measurement;
import io.tensorline.perf.measure.WindowRecorder;
import io.tensorline.perf.transport.InferCallback;
import io.tensorline.perf.transport.PreparedInfer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadGeneratorTest {

    /** A request that never answers by itself: the test answers the held callbacks. */
    private static final class HeldRequests implements PreparedInfer {
        final Deque<InferCallback> held = new ArrayDeque<>();
        int sent;

        @Override
        public synchronized void send(InferCallback callback) {
            sent++;
            held.add(callback);
        }

        void answerOne() {
            InferCallback cb;
            synchronized (this) {
                cb = held.poll();
            }
            cb.completed(0, 5_000, 100, 200);
        }

        void failOne(String message) {
            InferCallback cb;
            synchronized (this) {
                cb = held.poll();
            }
            cb.failed(0, 5_000, message);
        }
    }

    @Test
    void concurrencyKeepsExactlyNRequestsOutstanding() throws Exception {
        HeldRequests requests = new HeldRequests();
        WindowRecorder recorder = new WindowRecorder(1);
        ConcurrencyLoad load = new ConcurrencyLoad(new RequestCycle(List.of(requests)), 5, recorder);
        load.start();
        assertEquals(5, requests.held.size());
        for (int i = 0; i < 20; i++) {
            requests.answerOne();
            assertEquals(5, requests.held.size());
        }
        assertEquals(25, requests.sent);
        Measurement m = recorder.drain(1_000_000_000L, null);
        assertEquals(20, m.requests());
        assertEquals(5_000, m.avgLatencyNs());
        assertEquals(100, m.avgSendNs());
        assertEquals(200, m.avgRecvNs());
    }

    @Test
    void stopWaitsForTheOutstandingRequestsAndSendsNoMore() throws Exception {
        HeldRequests requests = new HeldRequests();
        ConcurrencyLoad load = new ConcurrencyLoad(new RequestCycle(List.of(requests)), 3, new WindowRecorder(1));
        load.start();
        Thread stopper = new Thread(() -> {
            try {
                load.stop(Duration.ofSeconds(30));
            } catch (PerfException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }, "test-stopper");
        stopper.start();
        // stop() has cleared the running flag once the stopper is waiting; answer everything still held
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (stopper.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "stop() did not start waiting");
            Thread.onSpinWait();
        }
        while (!requests.held.isEmpty()) {
            requests.answerOne();
        }
        stopper.join(30_000);
        assertTrue(!stopper.isAlive());
        assertEquals(3, requests.sent);
    }

    @Test
    void stopFailsWhenRequestsNeverFinish() {
        HeldRequests requests = new HeldRequests();
        ConcurrencyLoad load = new ConcurrencyLoad(new RequestCycle(List.of(requests)), 2, new WindowRecorder(1));
        load.start();
        PerfException e = assertThrows(PerfException.class, () -> load.stop(Duration.ofMillis(1)));
        assertTrue(e.getMessage().startsWith("2 requests were still outstanding"), e.getMessage());
    }

    @Test
    void aFailedRequestIsRecordedAndEndsItsSlot() throws Exception {
        HeldRequests requests = new HeldRequests();
        WindowRecorder recorder = new WindowRecorder(1);
        ConcurrencyLoad load = new ConcurrencyLoad(new RequestCycle(List.of(requests)), 2, recorder);
        load.start();
        requests.failOne("UNAVAILABLE: gone");
        assertEquals(1, requests.held.size());
        Measurement m = recorder.drain(1, null);
        assertEquals(1, m.errors());
        assertEquals("UNAVAILABLE: gone", m.firstError());
        requests.failOne("UNAVAILABLE: gone too");
        assertEquals(0, requests.held.size());
        load.stop(Duration.ofSeconds(30));
        assertEquals(2, requests.sent);
    }

    @Test
    void requestsCycleThroughTheInputSets() {
        List<Integer> order = new ArrayList<>();
        List<PreparedInfer> sets = List.of(cb -> order.add(0), cb -> order.add(1), cb -> order.add(2));
        RequestCycle cycle = new RequestCycle(sets);
        for (int i = 0; i < 7; i++) {
            cycle.next().send(null);
        }
        assertEquals(List.of(0, 1, 2, 0, 1, 2, 0), order);
    }

    @Test
    void constantScheduleHasEqualGaps() {
        IntervalSchedule s = new IntervalSchedule(Distribution.CONSTANT, 400, 1);
        for (int i = 0; i < 10; i++) {
            assertEquals(2_500_000.0, s.nextGapNs(), 1e-6);
        }
    }

    @Test
    void poissonScheduleKeepsTheMeanRate() {
        IntervalSchedule s = new IntervalSchedule(Distribution.POISSON, 1000, 42);
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            double g = s.nextGapNs();
            sum += g;
            min = Math.min(min, g);
            max = Math.max(max, g);
        }
        assertEquals(1_000_000.0, sum / n, 20_000.0);
        // exponential gaps vary widely, unlike constant ones
        assertTrue(min < 100_000 && max > 5_000_000, min + " " + max);
    }
}
