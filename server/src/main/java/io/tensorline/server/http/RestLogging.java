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
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.logging.LogSettings;
import io.tensorline.server.logging.LogSettingsUpdate;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** {@code GET|POST v2/logging}: the logging extension over REST, with Triton's keys and refusals. */
final class RestLogging {

    private RestLogging() {
    }

    static FullHttpResponse handle(ByteBufAllocator alloc, FullHttpRequest request, LogControl control) {
        if (control == null) {
            throw new InferenceException(ErrorCode.UNSUPPORTED, "the logging extension is not offered by this server "
                    + "(its slf4j backend is not Logback)");
        }
        LogSettings result = control.settings();
        if (request.method().equals(HttpMethod.POST) && request.content().isReadable()) {
            result = control.update(read(request, control.settings()));
        }
        Map<String, Object> all = LogSettingsUpdate.describe(result);
        return HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 192, g -> {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : all.entrySet()) {
                g.writeFieldName(e.getKey());
                if (e.getValue() instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (e.getValue() instanceof Long n) {
                    g.writeNumber(n);
                } else {
                    g.writeString((String) e.getValue());
                }
            }
            g.writeEndObject();
        }));
    }

    private static LogSettings read(FullHttpRequest request, LogSettings current) {
        LogSettingsUpdate update = new LogSettingsUpdate(current, false);
        try (InputStream in = new ByteBufInputStream(request.content().duplicate());
             JsonParser p = JsonSupport.FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return current;
            }
            if (t != JsonToken.START_OBJECT) {
                throw InferenceException.invalid("logging request body is %s (expected: a JSON object such as "
                        + "{\"log_verbose_level\": 1})", JsonValues.describe(p, t));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                Object value = switch (v) {
                    case VALUE_TRUE -> Boolean.TRUE;
                    case VALUE_FALSE -> Boolean.FALSE;
                    case VALUE_NULL -> null;
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            ? p.getText() : (Object) p.getLongValue();
                    case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                    default -> {
                        p.skipChildren();
                        yield java.util.List.of(); // an array or object: no key takes one, the update refuses it
                    }
                };
                update.set(key, value);
            }
        } catch (JsonProcessingException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getOriginalMessage());
        } catch (IOException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getMessage());
        }
        return update.result();
    }
}
