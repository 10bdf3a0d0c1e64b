package io.tensorline.server.stats;

import java.util.concurrent.atomic.LongAdder;

/** A lock-free count + total-nanoseconds pair; writers never contend on one cache line. */
final class DurationCounter {

    private final LongAdder count = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    void record(long durationNanos) {
        count.increment();
        nanos.add(Math.max(0, durationNanos));
    }

    void record(long times, long totalNanos) {
        count.add(times);
        nanos.add(Math.max(0, totalNanos));
    }

    /** The two sums are read one after the other, so a snapshot taken while writers run may be off by one record. */
    StatisticDuration snapshot() {
        return new StatisticDuration(count.sum(), nanos.sum());
    }
}
