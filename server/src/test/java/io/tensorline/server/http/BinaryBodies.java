package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Builds binary-extension request bodies and splits binary replies, as tritonclient does. */
final class BinaryBodies {

    static final String HEADER = "Inference-Header-Content-Length";

    private BinaryBodies() {
    }

    /** JSON header followed by the blobs; returns the body, its JSON length is {@code json.length()} in UTF-8. */
    static byte[] body(String json, byte[]... blobs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        for (byte[] b : blobs) {
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static String jsonLength(String json) {
        return Integer.toString(json.getBytes(StandardCharsets.UTF_8).length);
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static float[] toFloats(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    /** BYTES elements in raw layout: 4-byte little-endian length, then the UTF-8 bytes. */
    static byte[] strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
            out.writeBytes(utf8);
        }
        return out.toByteArray();
    }

    /** A reply split at its Inference-Header-Content-Length into JSON and the bytes after it. */
    record Split(JsonNode json, byte[] blobs) {

        /** The blob of the output at {@code index} in the JSON's output list, using binary_data_size of each. */
        byte[] blob(int index) {
            int offset = 0;
            JsonNode outputs = json.get("outputs");
            for (int i = 0; i < index; i++) {
                JsonNode p = outputs.get(i).get("parameters");
                if (p != null && p.has("binary_data_size")) {
                    offset += p.get("binary_data_size").asInt();
                }
            }
            int size = outputs.get(index).get("parameters").get("binary_data_size").asInt();
            return Arrays.copyOfRange(blobs, offset, offset + size);
        }
    }

    static Split split(HttpResponse<byte[]> r) {
        int n = Integer.parseInt(r.headers().firstValue(HEADER)
                .orElseThrow(() -> new AssertionError("no " + HEADER + " in " + r.headers().map())));
        try {
            JsonNode json = RestFixture.JSON.readTree(Arrays.copyOfRange(r.body(), 0, n));
            return new Split(json, Arrays.copyOfRange(r.body(), n, r.body().length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
