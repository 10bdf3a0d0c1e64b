package io.tensorline.server.scheduler;

import com.lmax.disruptor.EventTranslatorOneArg;

/** A preallocated slot of the batcher's ring: one of the things the batcher thread reacts to. */
final class RingEvent {

    enum Kind {
        REQUEST,
        BATCH_DONE,
        /** Stop accepting; run what was accepted, then stop. */
        DRAIN,
        /** Stop accepting and fail what waits; let running batches finish, then stop. */
        SHUTDOWN_NOW,
        /** A change applied in place: run {@link #change} on the batcher thread. */
        CHANGE
    }

    static final EventTranslatorOneArg<RingEvent, PendingRequest> REQUEST = (e, seq, r) -> {
        e.kind = Kind.REQUEST;
        e.request = r;
    };
    static final EventTranslatorOneArg<RingEvent, Batch> BATCH_DONE = (e, seq, b) -> {
        e.kind = Kind.BATCH_DONE;
        e.batch = b;
    };
    static final EventTranslatorOneArg<RingEvent, Kind> CONTROL = (e, seq, kind) -> e.kind = kind;
    static final EventTranslatorOneArg<RingEvent, Runnable> CHANGE = (e, seq, c) -> {
        e.kind = Kind.CHANGE;
        e.change = c;
    };

    Kind kind;
    PendingRequest request;
    Batch batch;
    Runnable change;

    /** Drops the references once consumed, so the slot does not keep a request alive until it is reused. */
    void clear() {
        kind = null;
        request = null;
        batch = null;
        change = null;
    }
}
