package io.tensorline.perf.transport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorline.perf.PerfException;
import io.tensorline.perf.input.InputSet;
import io.tensorline.perf.input.TensorData;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The REST infer body, built once per input set: JSON inputs with {@code data}, or with the binary tensor
 * extension a JSON header ({@code binary_data_size} per input, binary outputs requested) followed by the raw
 * tensors. And the check of a reply, whose parse is the client's receive time.
 */
final class HttpInferCodec {

    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private static final JsonFactory JSON = new JsonFactory();

    /** @param headerLength the JSON header's length when binary data follows it, else -1 */
    record Body(byte[] bytes, int headerLength) {
    }

    private HttpInferCodec() {
    }

    static Body encode(InputSet inputs, boolean binary) throws PerfException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("inputs");
            for (TensorData t : inputs.tensors()) {
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeStringField("datatype", t.datatype());
                if (binary) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", t.raw().length);
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    writeData(g, t);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            if (binary) {
                g.writeObjectFieldStart("parameters");
                g.writeBooleanField("binary_data_output", true);
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!binary) {
            return new Body(out.toByteArray(), -1);
        }
        int headerLength = out.size();
        for (TensorData t : inputs.tensors()) {
            out.writeBytes(t.raw());
        }
        return new Body(out.toByteArray(), headerLength);
    }

    /** Writes the raw little-endian values as a flat JSON array. */
    static void writeData(JsonGenerator g, TensorData t) throws IOException, PerfException {
        ByteBuffer b = ByteBuffer.wrap(t.raw()).order(ByteOrder.LITTLE_ENDIAN);
        g.writeStartArray();
        while (b.hasRemaining()) {
            switch (t.datatype()) {
                case "BOOL" -> g.writeBoolean(b.get() != 0);
                case "INT8" -> g.writeNumber(b.get());
                case "UINT8" -> g.writeNumber(b.get() & 0xFF);
                case "INT16" -> g.writeNumber(b.getShort());
                case "UINT16" -> g.writeNumber(b.getShort() & 0xFFFF);
                case "INT32" -> g.writeNumber(b.getInt());
                case "UINT32" -> g.writeNumber(b.getInt() & 0xFFFFFFFFL);
                case "INT64" -> g.writeNumber(b.getLong());
                case "UINT64" -> g.writeNumber(Long.toUnsignedString(b.getLong()));
                case "FP32" -> g.writeNumber(b.getFloat());
                case "FP64" -> g.writeNumber(b.getDouble());
                case "BYTES" -> {
                    byte[] s = new byte[b.getInt()];
                    b.get(s);
                    g.writeString(new String(s, StandardCharsets.UTF_8));
                }
                default -> throw new PerfException("input '" + t.name() + "' has datatype " + t.datatype()
                        + ", which JSON cannot carry (expected: --http-binary true)");
            }
        }
        g.writeEndArray();
    }

    /**
     * Checks a reply: status 200, a JSON header with {@code outputs}, and binary outputs that add up to the bytes
     * after the header. Returns null when it is good, else what is wrong.
     */
    static String check(int status, byte[] body, long headerLength, ObjectMapper mapper) {
        if (status != 200) {
            return "HTTP " + status + ": " + errorText(body, mapper);
        }
        int jsonLength = headerLength >= 0 && headerLength <= body.length ? (int) headerLength : body.length;
        JsonNode root;
        try {
            root = mapper.readTree(body, 0, jsonLength);
        } catch (IOException e) {
            return "reply is not JSON: " + snippet(body);
        }
        JsonNode outputs = root == null ? null : root.get("outputs");
        if (outputs == null || !outputs.isArray()) {
            return "reply has no \"outputs\" array: " + snippet(body);
        }
        long binary = 0;
        for (JsonNode o : outputs) {
            JsonNode size = o.path("parameters").get("binary_data_size");
            if (size != null) {
                binary += size.asLong();
            }
        }
        if (binary != body.length - jsonLength) {
            return "reply declares " + binary + " bytes of binary outputs but carries " + (body.length - jsonLength);
        }
        return null;
    }

    private static String errorText(byte[] body, ObjectMapper mapper) {
        try {
            JsonNode error = mapper.readTree(body).get("error");
            if (error != null) {
                return error.asText();
            }
        } catch (IOException | RuntimeException e) {
            // not the protocol's {"error": ...}: show the body as it is
        }
        return body.length == 0 ? "(empty body)" : snippet(body);
    }

    private static String snippet(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
        return body.length > 200 ? s + "..." : s;
    }
}
