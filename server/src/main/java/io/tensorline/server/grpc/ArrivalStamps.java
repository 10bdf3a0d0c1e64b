package io.tensorline.server.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.tensorline.server.scheduler.NanoClock;

import java.util.Objects;

/**
 * Stamps every inbound message of a call with the server's clock when the transport frames it, before grpc-java
 * parses the protobuf and before our codec decodes and validates it, so that queue time runs from the moment the
 * request reached the server (Triton counts decode and validation in the queue too). The handler takes the stamp
 * with {@link #take}; messages of one call are stamped and taken in the same order.
 */
final class ArrivalStamps extends ServerStreamTracer.Factory {

    private static final Context.Key<Stamps> STAMPS = Context.key("tensorline-arrival-stamps");

    private final NanoClock clock;

    ArrivalStamps(NanoClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new Stamps(clock);
    }

    /**
     * The arrival of the message the current call is handling: its stamp, or {@code clock}'s now on a transport
     * without this tracer (the in-process one of the embedded API).
     */
    static long take(NanoClock clock) {
        Stamps s = STAMPS.get();
        return s == null ? clock.nanoTime() : s.take();
    }

    /**
     * One call's stamps, oldest first. Threads: the transport stamps, the handler takes (the same event loop thread
     * with {@code directExecutor}, but grpc-java does not promise that); both under {@code this}.
     */
    private static final class Stamps extends ServerStreamTracer {
        private final NanoClock clock;
        // guarded by this: stamps of messages framed and not yet handled; a unary call needs only `first`
        private long first;
        private long[] more;
        private int head;
        private int size;

        Stamps(NanoClock clock) {
            this.clock = clock;
        }

        @Override
        public Context filterContext(Context context) {
            return context.withValue(STAMPS, this);
        }

        @Override
        public void inboundMessage(int seqNo) {
            long now = clock.nanoTime();
            synchronized (this) {
                if (size == 0) {
                    first = now;
                } else {
                    push(now);
                }
                size++;
            }
        }

        /** Stamps beyond the first go to a ring behind it. */
        private void push(long stamp) {
            int queued = size - 1;
            if (more == null || queued == more.length) {
                long[] grown = new long[more == null ? 4 : more.length * 2];
                for (int i = 0; i < queued; i++) {
                    grown[i] = more[(head + i) % more.length];
                }
                more = grown;
                head = 0;
            }
            more[(head + queued) % more.length] = stamp;
        }

        synchronized long take() {
            if (size == 0) {
                return clock.nanoTime();
            }
            long stamp = first;
            size--;
            if (size > 0) {
                first = more[head];
                head = (head + 1) % more.length;
            }
            return stamp;
        }
    }
}
