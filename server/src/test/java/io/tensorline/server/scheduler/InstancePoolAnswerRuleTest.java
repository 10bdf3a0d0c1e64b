package io.tensorline.server.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where an instance answers the batch it just ran ({@link InstancePool#answersInline}). */
class InstancePoolAnswerRuleTest {

    private static final long FAST = InstancePool.INLINE_ANSWER_MAX_EXEC_NANOS - 1;
    private static final long SLOW = InstancePool.INLINE_ANSWER_MAX_EXEC_NANOS;

    @Test
    void aLoneRequestIsAnsweredOnTheInstanceUnlessABatchWaits() {
        assertTrue(InstancePool.answersInline(1, false, SLOW * 10));
        assertFalse(InstancePool.answersInline(1, true, 0));
    }

    @Test
    void aBatchOfSeveralFromAFastDeviceIsAnsweredOnTheInstance() {
        assertTrue(InstancePool.answersInline(64, false, FAST));
        assertTrue(InstancePool.answersInline(2, false, 0));
    }

    @Test
    void aBatchOfSeveralFromASlowDeviceOrWithABatchWaitingGoesToTheCompleter() {
        assertFalse(InstancePool.answersInline(2, false, SLOW));
        assertFalse(InstancePool.answersInline(64, true, FAST));
    }

    private static final long RUN_HERE = SpinPolicy.DEFAULT.runHereNanos();

    @Test
    void aBatchGatheredOnAnEventLoopRunsThereWhenTheModelIsFast() {
        assertTrue(InstancePool.gathersOnLoop(RUN_HERE - 1, RUN_HERE, 8, 2), "faster than run-here: any count");
        assertTrue(InstancePool.gathersOnLoop(FAST, RUN_HERE, 2, 2), "under 200 µs, no more instances than loops");
        assertFalse(InstancePool.gathersOnLoop(FAST, RUN_HERE, 3, 2), "more instances than the loops can run");
        assertFalse(InstancePool.gathersOnLoop(SLOW, RUN_HERE, 1, 4), "a slow device keeps its instance threads");
        assertFalse(InstancePool.gathersOnLoop(Long.MAX_VALUE, RUN_HERE, 1, 4), "not known before it ran once");
    }
}
