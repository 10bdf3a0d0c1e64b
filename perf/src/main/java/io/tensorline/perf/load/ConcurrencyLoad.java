package io.tensorline.perf.load;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.measure.WindowRecorder;
import io.tensorline.perf.transport.InferCallback;

import java.time.Duration;

/**
 * Async concurrency mode: exactly {@code concurrency} requests outstanding. Each completion, on a transport
 * thread, sends the next request; no thread is created per request or per slot. A failed request is recorded and
 * its slot ends (the profiler stops the run on errors).
 */
public final class ConcurrencyLoad implements LoadGenerator {

    private final RequestCycle requests;
    private final int concurrency;
    private final WindowRecorder recorder;
    private final InFlight inFlight = new InFlight();
    private volatile boolean running;

    private final InferCallback callback = new InferCallback() {
        @Override
        public void completed(long startNs, long endNs, long sendNs, long recvNs) {
            recorder.success(endNs - startNs, sendNs, recvNs);
            if (running) {
                requests.next().send(this);
            } else {
                inFlight.done();
            }
        }

        @Override
        public void failed(long startNs, long endNs, String message) {
            recorder.failure(message);
            inFlight.done();
        }
    };

    public ConcurrencyLoad(RequestCycle requests, int concurrency, WindowRecorder recorder) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency " + concurrency + " (expected: >= 1)");
        }
        this.requests = requests;
        this.concurrency = concurrency;
        this.recorder = recorder;
    }

    @Override
    public void start() {
        running = true;
        inFlight.add(concurrency);
        for (int i = 0; i < concurrency; i++) {
            requests.next().send(callback);
        }
    }

    @Override
    public void stop(Duration timeout) throws PerfException, InterruptedException {
        running = false;
        if (!inFlight.awaitZero(timeout)) {
            throw new PerfException(inFlight.get() + " requests were still outstanding " + timeout.toSeconds()
                    + " s after the load stopped (expected: the server to answer every request)");
        }
    }
}
