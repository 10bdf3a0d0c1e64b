package io.tensorline.server.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdaptiveSpinTest {

    @Test
    void spinsUntilThreeSpinsInARowFindNothing() {
        AdaptiveSpin spin = new AdaptiveSpin();
        for (int i = 0; i < AdaptiveSpin.MISSES_BEFORE_PAUSE; i++) {
            assertTrue(spin.shouldSpin(), "wait " + i);
            spin.spun(false);
        }
        assertFalse(spin.shouldSpin());
    }

    @Test
    void aSpinThatFindsWorkKeepsSpinningOn() {
        AdaptiveSpin spin = new AdaptiveSpin();
        for (int i = 0; i < 100; i++) {
            assertTrue(spin.shouldSpin(), "wait " + i);
            spin.spun(i % AdaptiveSpin.MISSES_BEFORE_PAUSE != 0); // a hit before every third miss
        }
    }

    @Test
    void whilePausedItProbesEveryThirtySecondWaitAndAHitResumes() {
        AdaptiveSpin spin = new AdaptiveSpin();
        for (int i = 0; i < AdaptiveSpin.MISSES_BEFORE_PAUSE; i++) {
            spin.shouldSpin();
            spin.spun(false);
        }
        for (int i = 1; i < AdaptiveSpin.PROBE_EVERY; i++) {
            assertFalse(spin.shouldSpin(), "paused wait " + i);
        }
        assertTrue(spin.shouldSpin(), "the probe");
        spin.spun(false);
        assertFalse(spin.shouldSpin(), "a probe that misses keeps the pause");
        for (int i = 2; i < AdaptiveSpin.PROBE_EVERY; i++) {
            spin.shouldSpin();
        }
        assertTrue(spin.shouldSpin(), "the next probe");
        spin.spun(true);
        for (int i = 0; i < AdaptiveSpin.MISSES_BEFORE_PAUSE; i++) {
            assertTrue(spin.shouldSpin(), "resumed wait " + i);
            spin.spun(false);
        }
        assertFalse(spin.shouldSpin());
    }
}
