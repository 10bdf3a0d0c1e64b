package io.tensorline.server.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lease states of the direct hand-off, one transition at a time. */
class InstanceLeasesTest {

    @Test
    void aClaimAndACallBackNeverBothWin() {
        InstanceLeases leases = new InstanceLeases(2);
        assertEquals(-1, leases.claim(), "nothing lent yet");
        assertTrue(leases.lend(0));
        assertEquals(0, leases.claim());
        assertEquals(-1, leases.claim(), "claimed once");
        // called back while busy: its batch-done event must reach the batcher, and it is not lent again
        assertFalse(leases.reclaim(0));
        assertFalse(leases.finished(0));
        assertEquals(-1, leases.claim());
        // lent, claimed, done on its own: lent and idle again, nobody hears of it
        assertTrue(leases.lend(0));
        assertEquals(0, leases.claim());
        assertTrue(leases.finished(0));
        assertEquals(1, leases.freeNow());
        // idle when called back: the batcher's at once
        assertTrue(leases.reclaim(0));
        assertEquals(0, leases.freeNow());
        assertEquals(2, leases.directCount());
    }

    @Test
    void reclaimingAnInstanceThatIsNotLentFailsInsteadOfSpinning() {
        InstanceLeases leases = new InstanceLeases(1);
        // HELD: never lent
        assertThrows(IllegalStateException.class, () -> leases.reclaim(0));
        // CALLED: already called back while it runs a direct batch
        leases.lend(0);
        leases.claim();
        assertFalse(leases.reclaim(0));
        assertThrows(IllegalStateException.class, () -> leases.reclaim(0));
        // a batch the batcher sent (HELD) reports back
        assertFalse(leases.finished(0));
        assertFalse(leases.finished(0));
    }
}
