package io.tensorline.server.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * ModelInfer and ModelStreamInfer bound so that their answers are {@link WireMessage}s ({@link WireInferResponse}:
 * written straight from the output tensors) framed by {@link Marshaller}, instead of generated messages.
 */
final class WireInferMethods {

    private WireInferMethods() {
    }

    /**
     * {@code generated} with ModelInfer bound to {@code infer} and ModelStreamInfer to {@code stream}, each under a
     * method descriptor whose response marshaller is {@link Marshaller}: same name, type, request marshaller and
     * schema; every other method as it was.
     */
    static ServerServiceDefinition replacingInferMethods(
            ServerServiceDefinition generated, ServerCalls.UnaryMethod<ModelInferRequest, WireMessage> infer,
            ServerCalls.BidiStreamingMethod<ModelInferRequest, WireMessage> stream) {
        ServerMethodDefinition<?, ?> unary = ServerMethodDefinition.create(
                lean(GRPCInferenceServiceGrpc.getModelInferMethod()), ServerCalls.asyncUnaryCall(infer));
        ServerMethodDefinition<?, ?> streaming = ServerMethodDefinition.create(
                lean(GRPCInferenceServiceGrpc.getModelStreamInferMethod()), ServerCalls.asyncBidiStreamingCall(stream));
        ServiceDescriptor service = generated.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getName())
                .setSchemaDescriptor(service.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
            String name = m.getMethodDescriptor().getFullMethodName();
            ServerMethodDefinition<?, ?> bound = name.equals(unary.getMethodDescriptor().getFullMethodName()) ? unary
                    : name.equals(streaming.getMethodDescriptor().getFullMethodName()) ? streaming : m;
            methods.add(bound);
            descriptor.addMethod(bound.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(b::addMethod);
        return b.build();
    }

    private static <Q> MethodDescriptor<Q, WireMessage> lean(MethodDescriptor<Q, ?> generated) {
        return generated.toBuilder(generated.getRequestMarshaller(), Marshaller.INSTANCE).build();
    }

    /**
     * The response marshaller of ModelInfer and ModelStreamInfer: frames a {@link WireMessage} as grpc-java frames
     * a protobuf message ({@link Drainable} and {@link KnownLength}, so the framer writes it straight into its
     * buffers). Responses are never parsed on the server.
     */
    static final class Marshaller implements MethodDescriptor.Marshaller<WireMessage> {
        static final Marshaller INSTANCE = new Marshaller();

        private Marshaller() {
        }

        @Override
        public InputStream stream(WireMessage value) {
            return new Stream(value);
        }

        @Override
        public WireMessage parse(InputStream stream) {
            throw new UnsupportedOperationException("the server does not parse its responses");
        }
    }

    /** Drained once into the transport; read byte by byte (in-process transports) from the array. */
    static final class Stream extends InputStream implements Drainable, KnownLength {
        /** The message until it is drained or read; then null. Confined to the caller (grpc-java's framer). */
        private WireMessage message;
        private ByteArrayInputStream read;

        Stream(WireMessage message) {
            this.message = message;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (message != null) {
                int n = message.size();
                message.writeTo(target);
                message = null;
                return n;
            }
            if (read != null) {
                int n = read.available();
                read.transferTo(target);
                read = null;
                return n;
            }
            return 0;
        }

        private ByteArrayInputStream bytes() {
            if (message != null) {
                read = new ByteArrayInputStream(message.toByteArray());
                message = null;
            }
            return read;
        }

        @Override
        public int read() {
            ByteArrayInputStream in = bytes();
            return in == null ? -1 : in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            ByteArrayInputStream in = bytes();
            return in == null ? -1 : in.read(b, off, len);
        }

        @Override
        public int available() {
            return message != null ? message.size() : read != null ? read.available() : 0;
        }
    }
}
