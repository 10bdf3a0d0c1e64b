package io.tensorline.server.simulated;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParkThenSpinTest {

    /** A fake clock that every read advances by {@code tick}, and parks that return {@code late} ns after asked. */
    private static final class FakeTime {
        long now = 1_000_000;
        long tick = 1_000;
        long late;
        final List<Long> parks = new ArrayList<>();
        int reads;

        long read() {
            reads++;
            now += tick;
            return now;
        }

        void park(long nanos) {
            parks.add(nanos);
            now += nanos + late;
        }
    }

    @Test
    void itParksUntilTheMarginBeforeTheDeadlineAndSpinsTheRest() {
        FakeTime t = new FakeTime();
        ParkThenSpin pause = new ParkThenSpin(t::read, t::park);
        long deadline = t.now + 3_000_000;
        pause.until(deadline);
        // one park, asked to end the initial margin before the deadline (the first clock read advanced by a tick)
        assertEquals(List.of(3_000_000 - ParkThenSpin.INITIAL_MARGIN - t.tick), t.parks);
        assertTrue(t.now >= deadline, "returned before the deadline");
        assertTrue(t.now < deadline + t.tick + 1, "spun past the deadline: " + (t.now - deadline));
        // the spin read the clock about margin / tick times
        assertTrue(t.reads > ParkThenSpin.INITIAL_MARGIN / t.tick / 2, "reads: " + t.reads);
    }

    @Test
    void aLateWakeUpWidensTheMarginAtOnceAndTheDeadlineStillHolds() {
        FakeTime t = new FakeTime();
        ParkThenSpin pause = new ParkThenSpin(t::read, t::park);
        t.late = 400_000;
        long deadline = t.now + 3_000_000;
        pause.until(deadline);
        // the first park overshot the margin: the wait spun through nothing and returned as late as the park did
        assertTrue(t.now >= deadline);
        assertEquals(400_000 + 400_000 / 4 + t.tick + t.tick / 4, pause.marginNanos(),
                "the margin covers the lateness seen plus a quarter");
        t.parks.clear();
        deadline = t.now + 3_000_000;
        pause.until(deadline);
        assertEquals(1, t.parks.size());
        assertTrue(t.now >= deadline, "returned before the deadline");
        assertTrue(t.now - deadline <= t.tick, "a margin wider than the lateness ends on time: "
                + (t.now - deadline) + " ns late");
    }

    @Test
    void punctualWakeUpsShrinkTheMarginTowardsTheFloor() {
        FakeTime t = new FakeTime();
        t.tick = 100;
        ParkThenSpin pause = new ParkThenSpin(t::read, t::park);
        long previous = pause.marginNanos();
        for (int i = 0; i < 200; i++) {
            pause.until(t.now + 2_000_000);
            assertTrue(pause.marginNanos() <= previous, "the margin only decays while wake-ups are punctual");
            previous = pause.marginNanos();
        }
        assertEquals(ParkThenSpin.MIN_MARGIN, pause.marginNanos());
    }

    @Test
    void theMarginIsCappedSoThatALongStallNeverTurnsIntoALongSpin() {
        FakeTime t = new FakeTime();
        ParkThenSpin pause = new ParkThenSpin(t::read, t::park);
        t.late = 50_000_000;
        pause.until(t.now + 3_000_000);
        assertEquals(ParkThenSpin.MAX_MARGIN, pause.marginNanos());
    }

    @Test
    void aDeadlineInsideTheMarginIsSpunWithoutParking() {
        FakeTime t = new FakeTime();
        ParkThenSpin pause = new ParkThenSpin(t::read, t::park);
        long deadline = t.now + ParkThenSpin.INITIAL_MARGIN / 2;
        pause.until(deadline);
        assertEquals(List.of(), t.parks);
        assertTrue(t.now >= deadline);
        pause.until(t.now - 5);
        assertEquals(List.of(), t.parks, "a deadline already passed returns at once");
    }
}
