package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** The Jackson streaming setup shared by the REST codecs, and a helper that writes JSON into a pooled ByteBuf. */
final class JsonSupport {

    /**
     * Immutable after construction and thread-safe. Non-finite floats are written as the strings {@code "NaN"},
     * {@code "Infinity"} and {@code "-Infinity"}, so every reply is valid JSON (Triton writes bare tokens, which
     * strict parsers refuse); on input both forms are accepted, the bare tokens because Triton and Python's
     * {@code json} module (used by tritonclient) send them. String length is bounded by the HTTP body limit.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build();

    /** Writes one JSON document. */
    @FunctionalInterface
    interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private JsonSupport() {
    }

    /** Encodes a document into a new buffer from {@code alloc}; the caller owns (and must release) the result. */
    static ByteBuf encode(ByteBufAllocator alloc, int initialCapacity, JsonWriter writer) {
        ByteBuf buf = alloc.buffer(initialCapacity);
        try (JsonGenerator g = FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
            writer.write(g);
        } catch (IOException | RuntimeException e) {
            buf.release();
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
        return buf;
    }
}
