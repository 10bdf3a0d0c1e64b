package io.tensorline.perf.load;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.measure.WindowRecorder;
import io.tensorline.perf.transport.InferCallback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Sync concurrency mode ({@code --sync}): one thread per slot, each sending a request and waiting for it. */
public final class SyncConcurrencyLoad implements LoadGenerator {

    private final RequestCycle requests;
    private final int concurrency;
    private final WindowRecorder recorder;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    public SyncConcurrencyLoad(RequestCycle requests, int concurrency, WindowRecorder recorder) {
        this.requests = requests;
        this.concurrency = concurrency;
        this.recorder = recorder;
    }

    @Override
    public void start() {
        running = true;
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(this::loop, "perf-sync-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void loop() {
        try {
            while (running) {
                Waiter w = new Waiter();
                requests.next().send(w);
                w.done.await();
                if (w.error != null) {
                    recorder.failure(w.error);
                    return;
                }
                recorder.success(w.latencyNs, w.sendNs, w.recvNs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop(Duration timeout) throws PerfException, InterruptedException {
        running = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        int stuck = 0;
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                t.interrupt();
                stuck++;
            }
        }
        threads.clear();
        if (stuck > 0) {
            throw new PerfException(stuck + " requests were still outstanding " + timeout.toSeconds()
                    + " s after the load stopped (expected: the server to answer every request)");
        }
    }

    /** One request's outcome, handed from the transport thread to the waiting slot thread. */
    private static final class Waiter implements InferCallback {
        final CountDownLatch done = new CountDownLatch(1);
        long latencyNs;
        long sendNs;
        long recvNs;
        String error;

        @Override
        public void completed(long startNs, long endNs, long sendNs, long recvNs) {
            this.latencyNs = endNs - startNs;
            this.sendNs = sendNs;
            this.recvNs = recvNs;
            done.countDown();
        }

        @Override
        public void failed(long startNs, long endNs, String message) {
            error = message;
            done.countDown();
        }
    }
}
