package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the tests that keep clients running through lifecycle changes share. */
final class ClientTraffic {

    private ClientTraffic() {
    }

    /** One request of a client loop; {@code id} is its number, to tell its answer from another's. */
    @FunctionalInterface
    interface Call {
        void send(long id) throws Exception;
    }

    /**
     * A client that sends one request after another until {@code stop}; every request counts as answered, and an
     * exception is a failure named by transport and request number.
     */
    static Runnable loop(AtomicBoolean stop, AtomicLong ids, LongAdder answered, Queue<String> failures,
                         String transport, Call call) {
        return () -> {
            while (!stop.get()) {
                long id = ids.incrementAndGet();
                try {
                    call.send(id);
                } catch (Exception e) {
                    failures.add(transport + " request " + id + ": " + e);
                }
                answered.increment();
            }
        };
    }

    /** Waits until {@code n} more requests were answered (or a failure shows up), 60 s at most. */
    static void awaitMore(LongAdder answered, int n, Queue<String> failures) throws InterruptedException {
        long target = answered.sum() + n;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (answered.sum() < target && failures.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("clients answered " + answered.sum() + " of " + target + " within 60 s");
            }
            Thread.sleep(2);
        }
    }

    /** A REST reply's FP32 {@code data} array. */
    static float[] floats(JsonNode data) {
        float[] out = new float[data.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = (float) data.get(k).asDouble();
        }
        return out;
    }
}
