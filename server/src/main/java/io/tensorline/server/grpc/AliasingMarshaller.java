package io.tensorline.server.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.tensorline.proto.ModelInferRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Parses an inference request so that its tensor bytes are copied once out of the transport and never again: the
 * whole message is read into one array and parsed with aliasing, so each {@code raw_input_contents} entry (and every
 * other bytes field) is a view of that array rather than a copy of it.
 *
 * <p>grpc-java's protobuf marshaller copies a tensor twice: up to 4 MiB it reads the message into a reused buffer and
 * protobuf then copies each bytes field out of it; above that protobuf reads chunks and joins them into the field,
 * so both copies allocate. For ResNet-50 that is 0.6 MB (batch 1) to 4.8 MB (batch 8) copied and allocated twice
 * per request before the engine stages the tensor into its own buffer (see docs/performance.md, "Served engines
 * vs in-process"). Strings are still decoded into their own objects; the array lives as long as any tensor that
 * views it, which is what the copied field used to cost.
 *
 * <p>Serialisation is the original marshaller's. A message that does not parse fails as grpc-java's does (INTERNAL
 * "Invalid protobuf byte sequence" with protobuf's exception as the cause), which {@link UndecodableRequests} turns
 * into INVALID_ARGUMENT.
 */
final class AliasingMarshaller<T extends Message> implements MethodDescriptor.PrototypeMarshaller<T> {

    private final MethodDescriptor.PrototypeMarshaller<T> original;
    private final Parser<T> parser;

    @SuppressWarnings("unchecked")
    private AliasingMarshaller(MethodDescriptor.PrototypeMarshaller<T> original, T prototype) {
        this.original = original;
        this.parser = (Parser<T>) prototype.getParserForType();
    }

    /**
     * {@code marshaller} itself, or for the messages that carry tensors ({@link ModelInferRequest}: ModelInfer and
     * ModelStreamInfer) one that parses them with aliasing.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static <Q> MethodDescriptor.Marshaller<Q> forTensors(MethodDescriptor.Marshaller<Q> marshaller) {
        if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<Q> p
                && p.getMessagePrototype() instanceof ModelInferRequest prototype) {
            return new AliasingMarshaller(p, prototype);
        }
        return marshaller;
    }

    @Override
    public T getMessagePrototype() {
        return original.getMessagePrototype();
    }

    @Override
    public Class<T> getMessageClass() {
        return original.getMessageClass();
    }

    @Override
    public InputStream stream(T value) {
        return original.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
        try {
            return parse(readAll(stream));
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read the request message").withCause(e).asRuntimeException();
        }
    }

    /**
     * Parses {@code bytes}, which the message then owns: its bytes fields are views of the array. The array is
     * wrapped as an immutable ByteString first because protobuf aliases only input it may treat as immutable (a
     * plain {@code CodedInputStream.newInstance(byte[])} copies every field even with aliasing enabled).
     */
    T parse(byte[] bytes) throws InvalidProtocolBufferException {
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
        in.enableAliasing(true);
        T message = parser.parseFrom(in);
        in.checkLastTagWas(0);
        return message;
    }

    /**
     * The stream's bytes in one array of exactly their length. grpc-java's message streams know how many bytes they
     * hold ({@code available()}), so the array is allocated once; a stream that reports fewer is read to its end.
     */
    static byte[] readAll(InputStream stream) throws IOException {
        int expected = stream.available();
        if (expected <= 0) {
            return stream.readAllBytes();
        }
        byte[] bytes = new byte[expected];
        int read = stream.readNBytes(bytes, 0, expected);
        if (read < expected) {
            return Arrays.copyOf(bytes, read);
        }
        int next = stream.read();
        if (next < 0) {
            return bytes;
        }
        byte[] rest = stream.readAllBytes();
        byte[] all = Arrays.copyOf(bytes, expected + 1 + rest.length);
        all[expected] = (byte) next;
        System.arraycopy(rest, 0, all, expected + 1, rest.length);
        return all;
    }
}
