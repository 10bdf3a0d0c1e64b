package io.tensorline.perf.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The check of a REST infer reply, whose parse is the client's receive time. (The request bodies are the client
 * library's: {@link io.tensorline.client.InferCodec#toRest}.)
 */
final class HttpReplyCheck {

    private HttpReplyCheck() {
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
