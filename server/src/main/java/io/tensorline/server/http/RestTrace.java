package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.trace.TraceParent;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET|POST v2/trace/setting} and {@code v2/models/{m}/trace/setting}: the trace extension over REST. Values
 * are strings ({@code trace_level} an array of them; a single string or an integer is taken too); JSON null
 * clears a setting. The answer is the full setting: {@code trace_level} an array, the rest strings ({@code resource}
 * an array of {@code key=value}).
 */
final class RestTrace {

    private static final List<String> ARRAYS = List.of("trace_level", "resource");

    private RestTrace() {
    }

    static FullHttpResponse handle(ByteBufAllocator alloc, FullHttpRequest request, InferenceServer server,
                                   String model) {
        Map<String, List<String>> changes = request.method().equals(HttpMethod.POST) ? read(request) : Map.of();
        Map<String, List<String>> result = server.traceSetting(model, changes);
        return HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 256, g -> {
            g.writeStartObject();
            for (Map.Entry<String, List<String>> e : result.entrySet()) {
                g.writeFieldName(e.getKey());
                if (ARRAYS.contains(e.getKey())) {
                    g.writeStartArray();
                    for (String v : e.getValue()) {
                        g.writeString(v);
                    }
                    g.writeEndArray();
                } else {
                    g.writeString(e.getValue().isEmpty() ? "" : e.getValue().get(0));
                }
            }
            g.writeEndObject();
        }));
    }

    /** The trace context of an inference request, read only while tracing is on. */
    static TraceParent parent(InferenceServer server, FullHttpRequest request) {
        if (!server.tracing().enabled()) {
            return null;
        }
        return TraceParent.of(request.headers().get(TraceParent.TRACEPARENT),
                request.headers().get(TraceParent.TRACESTATE));
    }

    private static Map<String, List<String>> read(FullHttpRequest request) {
        Map<String, List<String>> changes = new LinkedHashMap<>();
        try (InputStream in = new ByteBufInputStream(request.content().duplicate());
             JsonParser p = JsonSupport.FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return changes;
            }
            if (t != JsonToken.START_OBJECT) {
                throw InferenceException.invalid("trace setting request body is %s (expected: a JSON object such as "
                        + "{\"trace_rate\": \"100\"})", JsonValues.describe(p, t));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                List<String> values;
                if (v == JsonToken.VALUE_NULL) {
                    values = null;
                } else if (v == JsonToken.START_ARRAY) {
                    values = new ArrayList<>();
                    while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                        values.add(scalar(p, key, v));
                    }
                } else {
                    values = List.of(scalar(p, key, v));
                }
                changes.put(key, values);
            }
        } catch (JsonProcessingException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getOriginalMessage());
        } catch (IOException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getMessage());
        }
        return changes;
    }

    private static String scalar(JsonParser p, String key, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        String got = JsonValues.describe(p, v);
        p.skipChildren();
        throw InferenceException.invalid("Unable to parse '%s', got: %s (expected: a string)", key, got);
    }
}
