package io.tensorline.server.scheduler;

import com.lmax.disruptor.EventTranslatorOneArg;

import java.util.concurrent.CountDownLatch;

/** A preallocated slot of the batcher's ring: one of the three things the batcher thread reacts to. */
final class RingEvent {

    enum Kind { REQUEST, BATCH_DONE, SHUTDOWN }

    static final EventTranslatorOneArg<RingEvent, PendingRequest> REQUEST = (e, seq, r) -> {
        e.kind = Kind.REQUEST;
        e.request = r;
    };
    static final EventTranslatorOneArg<RingEvent, Batch> BATCH_DONE = (e, seq, b) -> {
        e.kind = Kind.BATCH_DONE;
        e.batch = b;
    };
    static final EventTranslatorOneArg<RingEvent, CountDownLatch> SHUTDOWN = (e, seq, ack) -> {
        e.kind = Kind.SHUTDOWN;
        e.shutdownAck = ack;
    };

    Kind kind;
    PendingRequest request;
    Batch batch;
    CountDownLatch shutdownAck;

    /** Drops the references once consumed, so the slot does not keep a request alive until it is reused. */
    void clear() {
        kind = null;
        request = null;
        batch = null;
        shutdownAck = null;
    }
}
