package io.tensorline.server.scheduler;

/** A clock that moves only when a test says so. */
final class FakeClock implements NanoClock {

    private long now;

    FakeClock(long startNanos) {
        this.now = startNanos;
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    synchronized void set(long nanos) {
        now = nanos;
    }

    synchronized void advanceMicros(long micros) {
        now += micros * 1000;
    }
}
