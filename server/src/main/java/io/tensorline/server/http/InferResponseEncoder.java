package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceResponse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes an {@link InferenceResponse} as PROTOCOL.md §2.2/§2.3 describe: a JSON object with flat {@code data}
 * per output, or, for outputs sent binary, {@code parameters.binary_data_size} in the JSON and the raw bytes after
 * it (then the reply is {@code application/octet-stream} with {@code Inference-Header-Content-Length}). The JSON
 * goes into a pooled buffer; binary blobs are wrapped, not copied. Stateless.
 */
final class InferResponseEncoder {

    private InferResponseEncoder() {
    }

    static FullHttpResponse encode(ByteBufAllocator alloc, InferenceResponse response, OutputEncoding encoding) {
        List<Tensor> outputs = response.outputs();
        boolean[] binary = new boolean[outputs.size()];
        boolean[] shm = new boolean[outputs.size()];
        boolean anyBinary = false;
        long estimate = 128;
        for (int i = 0; i < binary.length; i++) {
            Tensor t = outputs.get(i);
            shm[i] = encoding.inSharedMemory(t);
            binary[i] = !shm[i] && encoding.binary(t);
            anyBinary |= binary[i];
            estimate += 96 + (binary[i] || shm[i] ? 0 : jsonSizeEstimate(t));
        }
        ByteBuf json = JsonSupport.encode(alloc, (int) Math.min(estimate, 1 << 26), g -> {
            g.writeStartObject();
            g.writeStringField("model_name", response.modelName());
            g.writeStringField("model_version", response.modelVersion());
            if (response.id() != null && !response.id().isEmpty()) {
                g.writeStringField("id", response.id());
            }
            g.writeArrayFieldStart("outputs");
            for (int i = 0; i < binary.length; i++) {
                writeOutput(g, outputs.get(i), binary[i], shm[i]);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        if (!anyBinary) {
            return HttpReplies.json(HttpResponseStatus.OK, json);
        }
        int jsonLength = json.readableBytes();
        CompositeByteBuf body = alloc.compositeBuffer(1 + binary.length);
        body.addComponent(true, json);
        for (int i = 0; i < binary.length; i++) {
            if (binary[i] && outputs.get(i).byteSize() > 0) {
                body.addComponent(true, Unpooled.wrappedBuffer(outputs.get(i).data()));
            }
        }
        return HttpReplies.binary(body, jsonLength);
    }

    /** One output; one in shared memory has no data, no binary size and no parameters, as Triton answers. */
    private static void writeOutput(JsonGenerator g, Tensor t, boolean binary, boolean shm) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeStringField("datatype", t.dataType().wireName());
        long[] shape = t.shape();
        g.writeFieldName("shape");
        g.writeArray(shape, 0, shape.length);
        if (shm) {
            g.writeEndObject();
            return;
        }
        if (binary) {
            g.writeObjectFieldStart("parameters");
            g.writeNumberField("binary_data_size", t.byteSize());
            g.writeEndObject();
        } else {
            g.writeFieldName("data");
            writeData(g, t);
        }
        g.writeEndObject();
    }

    private static void writeData(JsonGenerator g, Tensor t) throws IOException {
        ByteBuffer d = t.data();
        g.writeStartArray();
        switch (t.dataType()) {
            case BOOL -> {
                while (d.hasRemaining()) {
                    g.writeBoolean(d.get() != 0);
                }
            }
            case INT8 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.get());
                }
            }
            case UINT8 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.get() & 0xFF);
                }
            }
            case INT16 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.getShort());
                }
            }
            case UINT16 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.getShort() & 0xFFFF);
                }
            }
            case INT32 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.getInt());
                }
            }
            case UINT32 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(Integer.toUnsignedLong(d.getInt()));
                }
            }
            case INT64 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.getLong());
                }
            }
            case UINT64 -> {
                while (d.hasRemaining()) {
                    long v = d.getLong();
                    if (v >= 0) {
                        g.writeNumber(v);
                    } else {
                        g.writeNumber(Long.toUnsignedString(v));
                    }
                }
            }
            case FP32 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.getFloat());
                }
            }
            case FP64 -> {
                while (d.hasRemaining()) {
                    g.writeNumber(d.getDouble());
                }
            }
            case BYTES -> writeStrings(g, t, d);
            default -> throw InferenceException.internal("output '%s' of type %s cannot be written as JSON",
                    t.name(), t.dataType());
        }
        g.writeEndArray();
    }

    /** BYTES elements as strings (UTF-8; invalid sequences become U+FFFD). */
    private static void writeStrings(JsonGenerator g, Tensor t, ByteBuffer d) throws IOException {
        byte[] scratch = d.hasArray() ? null : new byte[Math.min(d.remaining(), 1 << 16)];
        while (d.hasRemaining()) {
            if (d.remaining() < 4) {
                throw malformed(t);
            }
            int len = d.getInt();
            if (len < 0 || len > d.remaining()) {
                throw malformed(t);
            }
            if (d.hasArray()) {
                g.writeString(new String(d.array(), d.arrayOffset() + d.position(), len, StandardCharsets.UTF_8));
                d.position(d.position() + len);
            } else {
                if (scratch.length < len) {
                    scratch = new byte[len];
                }
                d.get(scratch, 0, len);
                g.writeString(new String(scratch, 0, len, StandardCharsets.UTF_8));
            }
        }
    }

    private static InferenceException malformed(Tensor t) {
        return InferenceException.internal("output '%s' holds malformed BYTES data (expected: 4-byte little-endian "
                + "lengths, each followed by that many bytes)", t.name());
    }

    private static long jsonSizeEstimate(Tensor t) {
        long n = t.elementCount();
        return switch (t.dataType()) {
            case BOOL -> n * 6;
            case INT8, UINT8 -> n * 5;
            case INT16, UINT16 -> n * 7;
            case INT32, UINT32 -> n * 12;
            case FP32 -> n * 14;
            case BYTES -> t.byteSize() + n * 4L;
            default -> n * 22;
        };
    }
}
