package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.shm.SharedMemoryEndpoints;
import io.tensorline.server.shm.SharedMemoryRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.List;

/**
 * {@code v2/systemsharedmemory[/region/<r>]/{status,register,unregister}} and the CUDA counterparts, with
 * Triton's fields ({@code key}, {@code offset}, {@code byte_size}; status lists {@code name}, {@code key},
 * {@code offset}, {@code byte_size}) and texts.
 */
final class RestSharedMemory {

    private RestSharedMemory() {
    }

    static FullHttpResponse handle(ByteBufAllocator alloc, Route route, FullHttpRequest request,
                                   SharedMemoryRegistry shm) {
        String region = route.model() == null ? "" : route.model();
        switch (route.endpoint()) {
            case SYSTEM_SHM_STATUS -> {
                return status(alloc, shm.status(region));
            }
            case SYSTEM_SHM_REGISTER -> {
                if (!shm.clientAllowed()) {
                    throw SharedMemoryEndpoints.disabled();
                }
                Register body = register(request);
                shm.register(region, body.key, body.offset, body.byteSize);
            }
            case SYSTEM_SHM_UNREGISTER -> shm.unregister(region);
            case CUDA_SHM_STATUS -> {
                SharedMemoryEndpoints.cudaStatus(region);
                return status(alloc, List.of());
            }
            case CUDA_SHM_REGISTER -> throw SharedMemoryEndpoints.cudaRegister(shm, region);
            case CUDA_SHM_UNREGISTER -> SharedMemoryEndpoints.cudaUnregister(shm);
            default -> throw new IllegalArgumentException(route.endpoint() + " is not a shared memory endpoint");
        }
        return HttpReplies.empty(HttpResponseStatus.OK);
    }

    private static FullHttpResponse status(ByteBufAllocator alloc, List<SharedMemoryRegistry.RegionStatus> regions) {
        return HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 2 + 96 * regions.size(), g -> {
            g.writeStartArray();
            for (SharedMemoryRegistry.RegionStatus r : regions) {
                g.writeStartObject();
                g.writeStringField("name", r.name());
                g.writeStringField("key", r.key());
                g.writeNumberField("offset", r.offset());
                g.writeNumberField("byte_size", r.byteSize());
                g.writeEndObject();
            }
            g.writeEndArray();
        }));
    }

    private static final class Register {
        String key;
        long offset;
        long byteSize = -1;
        boolean hasByteSize;
    }

    /** {@code {"key": str, "offset": uint (default 0), "byte_size": uint}}. */
    private static Register register(FullHttpRequest request) {
        Register r = new Register();
        try (InputStream in = new ByteBufInputStream(request.content().duplicate());
             JsonParser p = JsonSupport.FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t != null && t != JsonToken.START_OBJECT) {
                throw InferenceException.invalid("shared memory register request body is %s (expected: a JSON "
                        + "object with 'key', 'offset' and 'byte_size')", JsonValues.describe(p, t));
            }
            while (t != null && p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "key" -> r.key = JsonValues.string(p, v, "'key'");
                    case "offset" -> r.offset = unsigned(p, v, "offset");
                    case "byte_size" -> {
                        r.byteSize = unsigned(p, v, "byte_size");
                        r.hasByteSize = true;
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getOriginalMessage());
        } catch (IOException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getMessage());
        }
        if (r.key == null) {
            throw InferenceException.invalid("Shared memory register request has no 'key' field");
        }
        if (!r.hasByteSize) {
            throw InferenceException.invalid("Shared memory register request has no 'byte_size' field");
        }
        return r;
    }

    /** A uint64 as Java's long bits (values above {@code Long.MAX_VALUE} come out negative, for the checks). */
    private static long unsigned(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw InferenceException.invalid("'%s' is %s (expected: an unsigned integer)", field,
                    JsonValues.describe(p, t));
        }
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() < 0 || v.bitLength() > 64) {
            throw InferenceException.invalid("'%s' is %s (expected: an unsigned 64-bit integer)", field, v);
        }
        return v.longValue();
    }
}
