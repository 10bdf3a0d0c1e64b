package io.tensorline.server.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.shm.SharedMemoryUse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * A {@link ModelInferResponse} written straight from an {@link InferenceResponse}'s tensors with
 * {@link CodedOutputStream}: the bytes are those the generated message would serialize (field order, proto3's
 * "empty strings are not written", packed shapes, one {@code raw_output_contents} entry per output, empty for an
 * output held in shared memory), without building the message. The generated route allocates, per response, a
 * builder and a message per output, a {@code LongList} per shape, a {@code ByteString} per output and, on each of
 * its size and write passes, a fresh {@code MapField} for every unset parameters map.
 *
 * <p>The encoder writes only what {@link GrpcInferCodec#encode} sets (names, version, id, outputs, their data);
 * responses carry no parameters. {@link #toMessage} parses the bytes back, for the callers that want the message.
 * In a stream the same bytes are nested as a {@code ModelStreamInferResponse}'s {@code infer_response} (field 2).
 *
 * <p>Sizes are computed once, on the thread that completes the request (so an error is answered as an encode
 * error was before); the bytes are written when grpc-java frames the message ({@link WireInferMethods}): over
 * Netty on the same thread, over the in-process transport by the reading client (every field is final).
 */
final class WireInferResponse implements WireMessage {

    /** Up to this size the whole message is written into one array; above it tensor data go to the stream as-is. */
    static final int INLINE_BYTES = 4096;
    private static final int CHUNK_BYTES = 16 * 1024;
    /** Field 6 (raw_output_contents), length-delimited. */
    private static final int RAW_OUTPUT_TAG = 6 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    /** ModelStreamInfer's replies: answers nested in field 2, errors as the generated message. */
    static final InferStream.Replies<WireMessage> STREAM_REPLIES = new InferStream.Replies<>() {
        @Override
        public WireMessage answer(GrpcInferSubmission submitted, InferenceResponse response) {
            return submitted.wire(response, true);
        }

        @Override
        public WireMessage failure(String message) {
            return WireMessage.of(ModelStreamInferResponse.newBuilder().setErrorMessage(message).build());
        }
    };

    private final String modelName;
    private final String modelVersion;
    private final String id;
    private final List<Tensor> outputs;
    /** Per output: the InferOutputTensor's size, its packed shape's size, its raw contents' size (0 in shm). */
    private final int[] outputSizes;
    private final int[] shapeSizes;
    private final int[] dataSizes;
    /** The ModelInferResponse's size; {@link #size} adds the stream reply's tag and length when nested. */
    private final int bodySize;
    private final boolean nested;
    private final int size;
    private final int dataBytes;

    /**
     * @param shm    the request's shared memory use, or null: outputs it holds are answered without data
     * @param nested whether the message is a ModelStreamInferResponse's infer_response (a stream's reply)
     */
    WireInferResponse(InferenceResponse response, SharedMemoryUse shm, boolean nested) {
        this.modelName = Objects.requireNonNull(response.modelName(), "modelName");
        this.modelVersion = Objects.requireNonNull(response.modelVersion(), "modelVersion");
        this.id = Objects.requireNonNull(response.id(), "id");
        this.outputs = response.outputs();
        int n = outputs.size();
        outputSizes = new int[n];
        shapeSizes = new int[n];
        dataSizes = new int[n];
        int total = stringSize(1, modelName) + stringSize(2, modelVersion) + stringSize(3, id);
        int data = 0;
        for (int i = 0; i < n; i++) {
            Tensor t = outputs.get(i);
            int shape = 0;
            for (long d : t.shape()) {
                shape += CodedOutputStream.computeInt64SizeNoTag(d);
            }
            shapeSizes[i] = shape;
            int body = stringSize(1, Objects.requireNonNull(t.name(), "name"))
                    + stringSize(2, t.dataType().wireName())
                    + (shape == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(shape) + shape);
            outputSizes[i] = body;
            int bytes = shm != null && shm.holdsOutput(t.name()) ? 0 : t.byteSize();
            dataSizes[i] = bytes;
            data += bytes;
            total += lengthDelimited(body) + lengthDelimited(bytes);
        }
        this.bodySize = total;
        this.nested = nested;
        this.size = nested ? lengthDelimited(total) : total;
        this.dataBytes = data;
    }

    WireInferResponse(InferenceResponse response, SharedMemoryUse shm) {
        this(response, shm, false);
    }

    private static int stringSize(int field, String value) {
        return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
    }

    /** A length-delimited field of a one-byte tag (fields 1 to 15). */
    private static int lengthDelimited(int length) {
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public byte[] toByteArray() {
        byte[] all = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(all);
        try {
            writeHead(out);
            for (int i = 0; i < outputs.size(); i++) {
                out.writeUInt32NoTag(RAW_OUTPUT_TAG);
                out.writeUInt32NoTag(dataSizes[i]);
                if (dataSizes[i] > 0) {
                    out.write(outputs.get(i).data()); // a view of its own: writing consumes it
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("an array encoder does not fail", e);
        }
        out.checkNoSpaceLeft();
        return all;
    }

    /** The generated message these bytes are (a ModelStreamInferResponse when nested). */
    MessageLite toMessage() {
        try {
            return nested ? ModelStreamInferResponse.parseFrom(toByteArray())
                    : ModelInferResponse.parseFrom(toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("the encoder wrote a message its parser refuses", e);
        }
    }

    /**
     * Writes the message to {@code target}: a small one as one array, a larger one as the array of everything but
     * the tensor data, interleaved with the data written from the tensors' own buffers (a heap buffer's array
     * directly, a direct buffer through a chunk).
     */
    @Override
    public void writeTo(OutputStream target) throws IOException {
        if (size <= INLINE_BYTES) {
            target.write(toByteArray());
            return;
        }
        byte[] frame = new byte[size - dataBytes];
        CodedOutputStream out = CodedOutputStream.newInstance(frame);
        writeHead(out);
        int flushed = 0;
        byte[] chunk = null;
        for (int i = 0; i < outputs.size(); i++) {
            out.writeUInt32NoTag(RAW_OUTPUT_TAG);
            out.writeUInt32NoTag(dataSizes[i]);
            if (dataSizes[i] == 0) {
                continue;
            }
            int at = out.getTotalBytesWritten();
            target.write(frame, flushed, at - flushed);
            flushed = at;
            ByteBuffer data = outputs.get(i).data();
            if (data.remaining() != dataSizes[i]) {
                // a stream's later messages would be misread: fail this one instead (grpc-java closes the call)
                throw new IllegalStateException("output '" + outputs.get(i).name() + "' holds " + data.remaining()
                        + " bytes, " + dataSizes[i] + " were counted");
            }
            if (data.hasArray()) {
                target.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
                continue;
            }
            if (chunk == null) {
                chunk = new byte[Math.min(CHUNK_BYTES, dataBytes)];
            }
            while (data.hasRemaining()) {
                int n = Math.min(chunk.length, data.remaining());
                data.get(chunk, 0, n);
                target.write(chunk, 0, n);
            }
        }
        out.checkNoSpaceLeft();
        target.write(frame, flushed, frame.length - flushed);
    }

    /**
     * The stream reply's tag and length when nested, then fields 1 to 5 in the generated code's order; the
     * parameters maps (4) are never set.
     */
    private void writeHead(CodedOutputStream out) throws IOException {
        if (nested) {
            out.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(bodySize);
        }
        writeString(out, 1, modelName);
        writeString(out, 2, modelVersion);
        writeString(out, 3, id);
        for (int i = 0; i < outputs.size(); i++) {
            Tensor t = outputs.get(i);
            out.writeTag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(outputSizes[i]);
            writeString(out, 1, t.name());
            writeString(out, 2, t.dataType().wireName());
            if (shapeSizes[i] > 0) {
                out.writeTag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(shapeSizes[i]);
                for (long d : t.shape()) {
                    out.writeInt64NoTag(d);
                }
            }
        }
    }

    private static void writeString(CodedOutputStream out, int field, String value) throws IOException {
        if (!value.isEmpty()) {
            out.writeString(field, value);
        }
    }
}
