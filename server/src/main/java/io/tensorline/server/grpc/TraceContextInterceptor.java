package io.tensorline.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.trace.TraceParent;

/**
 * Reads the W3C {@code traceparent}/{@code tracestate} metadata of a call into its gRPC context while tracing is on,
 * so that the inference handlers can hand it to {@link InferenceServer#infer}. A call without them, or any call
 * while tracing is off, passes untouched.
 */
final class TraceContextInterceptor implements ServerInterceptor {

    private static final Context.Key<TraceParent> PARENT = Context.key("tensorline-trace-parent");
    private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of(TraceParent.TRACEPARENT,
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> TRACESTATE = Metadata.Key.of(TraceParent.TRACESTATE,
            Metadata.ASCII_STRING_MARSHALLER);

    private final InferenceServer server;

    TraceContextInterceptor(InferenceServer server) {
        this.server = server;
    }

    /** The trace context of the current call, or null. */
    static TraceParent parent() {
        return PARENT.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!server.tracing().enabled()) {
            return next.startCall(call, headers);
        }
        TraceParent parent = TraceParent.of(headers.get(TRACEPARENT), headers.get(TRACESTATE));
        if (parent == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(PARENT, parent), call, headers, next);
    }
}
