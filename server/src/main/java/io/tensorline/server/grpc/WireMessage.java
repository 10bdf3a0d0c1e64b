package io.tensorline.server.grpc;

import com.google.protobuf.MessageLite;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A response message as its serialized bytes: what {@link WireInferResponse.Marshaller} frames. Either written
 * straight from an answer's tensors ({@link WireInferResponse}) or a generated message ({@link #of}).
 */
interface WireMessage {

    /** The serialized size in bytes. */
    int size();

    /** Writes exactly {@link #size} bytes. */
    void writeTo(OutputStream target) throws IOException;

    /** The bytes in one array. */
    byte[] toByteArray();

    /** A generated message (the rare replies, such as a stream's error_message). */
    static WireMessage of(MessageLite message) {
        return new WireMessage() {
            @Override
            public int size() {
                return message.getSerializedSize();
            }

            @Override
            public void writeTo(OutputStream target) throws IOException {
                message.writeTo(target);
            }

            @Override
            public byte[] toByteArray() {
                return message.toByteArray();
            }
        };
    }
}
