package io.tensorline.server.stats;

/** Why a request failed, as the {@code reason} label of {@code nv_inference_request_failure} names it. */
public enum FailureReason {
    /** Refused by the scheduler: ring or queue full, or queue timeout expired with timeout_action REJECT. */
    REJECTED,
    /** The client cancelled before the request completed. */
    CANCELED,
    /** The engine failed to execute the batch. */
    BACKEND,
    /** Anything else, e.g. the model unloading while the request waited. */
    OTHER
}
