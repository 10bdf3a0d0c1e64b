package io.tensorline.server.trace;

/**
 * The W3C trace context a client sent with a request: the {@code traceparent} and {@code tracestate} headers
 * (HTTP) or metadata keys (gRPC), as received. Parsed only when tracing is on.
 */
public record TraceParent(String traceparent, String tracestate) {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** The context of a request, or null when it sent no {@code traceparent}. */
    public static TraceParent of(String traceparent, String tracestate) {
        return traceparent == null ? null : new TraceParent(traceparent, tracestate);
    }
}
