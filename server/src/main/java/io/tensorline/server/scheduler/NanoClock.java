package io.tensorline.server.scheduler;

/** A monotonic nanosecond clock; injected so that batching deadlines can be tested without sleeping. */
@FunctionalInterface
public interface NanoClock {

    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
