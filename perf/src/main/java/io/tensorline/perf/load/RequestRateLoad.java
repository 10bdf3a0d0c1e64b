package io.tensorline.perf.load;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.measure.WindowRecorder;
import io.tensorline.perf.transport.InferCallback;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Request-rate mode: one scheduler thread sends on a schedule (constant or poisson gaps) without waiting for
 * replies. A send whose time had already passed when the scheduler came to it counts as delayed, as in
 * perf_analyzer: the client could not keep up.
 */
public final class RequestRateLoad implements LoadGenerator {

    private final RequestCycle requests;
    private final IntervalSchedule schedule;
    private final WindowRecorder recorder;
    private final String threadName;
    private final InFlight inFlight = new InFlight();
    private volatile boolean running;
    private Thread scheduler;

    private final InferCallback callback = new InferCallback() {
        @Override
        public void completed(long startNs, long endNs, long sendNs, long recvNs) {
            recorder.success(endNs - startNs, sendNs, recvNs);
            inFlight.done();
        }

        @Override
        public void failed(long startNs, long endNs, String message) {
            recorder.failure(message);
            inFlight.done();
        }
    };

    public RequestRateLoad(RequestCycle requests, IntervalSchedule schedule, WindowRecorder recorder, String threadName) {
        this.requests = requests;
        this.schedule = schedule;
        this.recorder = recorder;
        this.threadName = threadName;
    }

    @Override
    public void start() {
        running = true;
        scheduler = new Thread(this::run, threadName);
        scheduler.setDaemon(true);
        scheduler.start();
    }

    private void run() {
        // the schedule accumulates in double nanoseconds so constant gaps do not drift by rounding
        double next = System.nanoTime();
        while (running) {
            next += schedule.nextGapNs();
            long due = (long) next;
            if (due - System.nanoTime() < 0) {
                recorder.delayed();
            } else {
                long wait;
                while (running && (wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
            if (!running) {
                return;
            }
            inFlight.add(1);
            requests.next().send(callback);
        }
    }

    @Override
    public void stop(Duration timeout) throws PerfException, InterruptedException {
        running = false;
        Thread t = scheduler;
        if (t != null) {
            LockSupport.unpark(t);
            t.join(timeout.toMillis());
        }
        if (!inFlight.awaitZero(timeout)) {
            throw new PerfException(inFlight.get() + " requests were still outstanding " + timeout.toSeconds()
                    + " s after the load stopped (expected: the server to answer every request)");
        }
    }
}
