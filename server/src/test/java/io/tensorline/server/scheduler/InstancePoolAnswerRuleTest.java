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
}
