package io.tensorline.server.grpc;

import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

import java.io.InputStream;

/**
 * Makes a request message that does not parse (truncated protobuf, random bytes, invalid UTF-8 in a string field)
 * answer INVALID_ARGUMENT with a short reason. Left to grpc-java, the parse failure escapes the call as an exception:
 * the client gets UNKNOWN "Application error processing RPC" and the server logs a SEVERE stack trace per request.
 *
 * <p>Each method's request marshaller is wrapped so that a failed parse yields an {@link Undecodable} value instead
 * of throwing; the wrapped handler closes the call on it, and from then on passes nothing to the service. Inference
 * requests are parsed by {@link AliasingMarshaller}, which copies their tensors out of the transport only once.
 */
final class UndecodableRequests {

    private UndecodableRequests() {
    }

    /** The same service, with every method's request decoding guarded. */
    static ServerServiceDefinition guard(ServerServiceDefinition service) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            b.addMethod(guard(m));
        }
        return b.build();
    }

    /** What a request that did not parse turns into. */
    record Undecodable(String reason) {
    }

    private static <Q, R> ServerMethodDefinition<Object, R> guard(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> d = method.getMethodDescriptor();
        MethodDescriptor<Object, R> lenient = d.toBuilder(new LenientMarshaller<>(
                AliasingMarshaller.forTensors(d.getRequestMarshaller()), d.getFullMethodName()),
                d.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        return ServerMethodDefinition.create(lenient, (call, headers) -> new GuardedListener<>(call,
                handler.startCall(asTyped(call), headers)));
    }

    /** The service's handlers never look at the request marshaller, which is the only thing that differs. */
    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCall<Q, R> asTyped(ServerCall<Object, R> call) {
        return (ServerCall<Q, R>) (ServerCall<?, R>) call;
    }

    /** Parses with the original marshaller; a failure becomes {@link Undecodable}. */
    static final class LenientMarshaller<Q> implements MethodDescriptor.Marshaller<Object> {
        private final MethodDescriptor.Marshaller<Q> original;
        private final String messageName;

        LenientMarshaller(MethodDescriptor.Marshaller<Q> original, String fullMethodName) {
            this.original = original;
            this.messageName = original instanceof MethodDescriptor.PrototypeMarshaller<Q> p
                    && p.getMessagePrototype() instanceof Message m ? m.getDescriptorForType().getFullName()
                    : "request of " + fullMethodName;
        }

        @Override
        @SuppressWarnings("unchecked")
        public InputStream stream(Object value) {
            return original.stream((Q) value);
        }

        @Override
        public Object parse(InputStream stream) {
            try {
                return original.parse(stream);
            } catch (RuntimeException e) {
                return new Undecodable("cannot decode " + messageName + ": " + firstSentence(e));
            }
        }

        /** protobuf's own reason (the cause of grpc's "Invalid protobuf byte sequence"), up to its first period. */
        private static String firstSentence(Throwable e) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            int dot = m.indexOf(". ");
            return dot > 0 ? m.substring(0, dot) : m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
        }
    }

    /** Forwards to the service's listener until a request does not parse; then closes the call. */
    private static final class GuardedListener<Q, R> extends ServerCall.Listener<Object> {
        private final ServerCall<Object, R> call;
        private final ServerCall.Listener<Q> delegate;
        // the call's serialized listener callbacks are the only writers
        private boolean closed;

        GuardedListener(ServerCall<Object, R> call, ServerCall.Listener<Q> delegate) {
            this.call = call;
            this.delegate = delegate;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Object message) {
            if (closed) {
                return;
            }
            if (message instanceof Undecodable u) {
                closed = true;
                call.close(Status.INVALID_ARGUMENT.withDescription(u.reason()), new Metadata());
                delegate.onCancel(); // the service stops whatever the call had started (streams)
                return;
            }
            delegate.onMessage((Q) message);
        }

        @Override
        public void onHalfClose() {
            if (!closed) {
                delegate.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            if (!closed) {
                delegate.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (!closed) {
                delegate.onComplete();
            }
        }

        @Override
        public void onReady() {
            if (!closed) {
                delegate.onReady();
            }
        }
    }
}
