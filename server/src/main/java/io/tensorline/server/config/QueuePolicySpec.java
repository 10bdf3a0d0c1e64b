package io.tensorline.server.config;

/**
 * A {@code ModelQueuePolicy}.
 *
 * @param defaultTimeoutMicros 0 means no timeout
 * @param maxQueueSize         0 means unbounded (the ring's capacity still bounds it)
 */
public record QueuePolicySpec(TimeoutAction timeoutAction, long defaultTimeoutMicros, boolean allowTimeoutOverride,
                              int maxQueueSize) {

    public enum TimeoutAction { REJECT, DELAY }

    public static final QueuePolicySpec DEFAULT = new QueuePolicySpec(TimeoutAction.REJECT, 0, false, 0);
}
