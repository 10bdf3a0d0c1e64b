package io.tensorline.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tensorline.server.net.RestrictedApis;

import java.util.Locale;

/**
 * Triton's {@code --grpc-restricted-protocol}: a call to a restricted group must carry the metadata
 * {@code triton-grpc-protocol-<header>} with the configured value, else it is closed before any message is read
 * with UNAVAILABLE {@code This protocol is restricted, expecting header 'triton-grpc-protocol-<header>'}.
 */
final class RestrictedProtocolInterceptor implements ServerInterceptor {

    static final String PREFIX = "triton-grpc-protocol-";

    private final RestrictedApis restricted;

    RestrictedProtocolInterceptor(RestrictedApis restricted) {
        this.restricted = restricted;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        RestrictedApis.Rule refused = restricted.refused(
                RestrictedApis.grpcGroup(call.getMethodDescriptor().getFullMethodName()),
                h -> headers.get(Metadata.Key.of(PREFIX + h.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER)));
        if (refused == null) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAVAILABLE.withDescription("This protocol is restricted, expecting header '" + PREFIX
                + refused.header() + "'"), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
