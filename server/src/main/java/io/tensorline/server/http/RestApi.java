package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.protocol.StatisticsMessages;
import io.tensorline.server.core.ModelMetadata;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.shm.SharedMemoryRegistry;
import io.tensorline.server.shm.SharedMemoryUse;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelState;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The REST endpoints of PROTOCOL.md §2.1 over the {@link InferenceServer} facade: everything but infer answers at
 * once; infer decodes and hands back the core's future. Errors are thrown as {@link InferenceException} for the
 * caller to map. Stateless and thread-safe.
 */
final class RestApi {

    /** An inference under way and how its outputs are to be encoded. */
    record PendingInfer(CompletableFuture<InferenceResponse> response, OutputEncoding outputs) {
    }

    private final InferenceServer server;
    private final LongSupplier nanoClock;
    private final LogControl logging;
    private final SharedMemoryRegistry shm;

    RestApi(InferenceServer server, LongSupplier nanoClock) {
        this(server, nanoClock, null);
    }

    /** @param logging the logging extension's control, or null when it is not offered */
    RestApi(InferenceServer server, LongSupplier nanoClock, LogControl logging) {
        this(server, nanoClock, logging, SharedMemoryRegistry.disabled());
    }

    /** @param shm the system shared memory regions (disabled: Triton's answers with client shared memory off) */
    RestApi(InferenceServer server, LongSupplier nanoClock, LogControl logging, SharedMemoryRegistry shm) {
        this.server = server;
        this.nanoClock = nanoClock;
        this.logging = logging;
        this.shm = shm;
    }

    /** Answers every endpoint except {@link Route.Endpoint#MODEL_INFER}. */
    FullHttpResponse handle(ByteBufAllocator alloc, Route route, FullHttpRequest request) {
        return switch (route.endpoint()) {
            case SERVER_METADATA -> serverMetadata(alloc);
            case HEALTH_LIVE -> status(server.live());
            case HEALTH_READY -> status(server.ready());
            case MODEL_READY -> status(server.modelReady(route.model(), route.version()));
            case MODEL_METADATA -> modelMetadata(alloc, server.modelMetadata(route.model(), route.version()));
            case MODEL_CONFIG -> HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 1024,
                    g -> ProtoJson.write(server.modelConfig(route.model(), route.version()).toProto(), g)));
            case REPOSITORY_INDEX -> index(alloc, server.index(readyOnly(request.content())));
            case MODEL_STATS -> HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 1024,
                    g -> ProtoJson.write(StatisticsMessages.toResponse(
                            server.statistics(route.model(), route.version())), g)));
            case MODEL_INFER, MODEL_LOAD, MODEL_UNLOAD ->
                    throw new IllegalArgumentException(route.endpoint() + " is asynchronous");
            case REPOSITORY_NAMED -> throw new InferenceException(ErrorCode.UNSUPPORTED,
                    "'repository_name' specification is not supported");
            case LOGGING -> RestLogging.handle(alloc, request, logging);
            case TRACE_SETTING -> RestTrace.handle(alloc, request, server, route.model() == null ? "" : route.model());
            case SYSTEM_SHM_STATUS, SYSTEM_SHM_REGISTER, SYSTEM_SHM_UNREGISTER, CUDA_SHM_STATUS, CUDA_SHM_REGISTER,
                    CUDA_SHM_UNREGISTER -> RestSharedMemory.handle(alloc, route, request, shm);
        };
    }

    /**
     * Decodes an infer request and submits it. The body is copied once into a heap array, which the tensors then
     * wrap: the pooled request buffer can be released as soon as this returns, whatever the engine and the
     * response (which may alias input data) do with the tensors later. Inputs in shared memory wrap their mapped
     * region instead; outputs bound to a region are written there before the response completes.
     */
    PendingInfer startInfer(Route route, FullHttpRequest request) {
        long arrival = nanoClock.getAsLong();
        byte[] body = ByteBufUtil.getBytes(request.content());
        String header = request.headers().get(HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH);
        int jsonLength = InferRequestDecoder.jsonLength(header, body.length);
        if (header != null && jsonLength == 0) {
            InferRequestDecoder.Decoded raw = RawBodyDecoder.decode(
                    server.registry().resolve(route.model(), route.version()).spec(), route.version(), body, arrival);
            return new PendingInfer(server.infer(raw.request(), raw.classification(),
                    RestTrace.parent(server, request)), raw.outputs());
        }
        SharedMemoryUse regions = shm.newUse();
        try {
            InferRequestDecoder.Decoded decoded = InferRequestDecoder.decode(route.model(), route.version(), body,
                    jsonLength, header != null, arrival, regions);
            return new PendingInfer(regions.attach(server.infer(decoded.request(), decoded.classification(),
                    RestTrace.parent(server, request))), decoded.outputs());
        } catch (RuntimeException e) {
            regions.release();
            throw e;
        }
    }

    /** Starts a model load or unload; the future completes with the (empty) answer once it is done. */
    CompletableFuture<FullHttpResponse> startRepositoryControl(Route route, FullHttpRequest request) {
        CompletableFuture<Void> done = route.endpoint() == Route.Endpoint.MODEL_LOAD
                ? server.loadModel(route.model(), RepositoryBodies.load(request.content()))
                : server.unloadModel(route.model(), RepositoryBodies.unloadDependents(request.content()));
        return done.thenApply(v -> HttpReplies.empty(HttpResponseStatus.OK));
    }

    private static FullHttpResponse status(boolean ok) {
        return HttpReplies.empty(ok ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST);
    }

    private FullHttpResponse serverMetadata(ByteBufAllocator alloc) {
        ServerInfo info = server.info();
        return HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 256, g -> {
            g.writeStartObject();
            g.writeStringField("name", info.name());
            g.writeStringField("version", info.version());
            g.writeArrayFieldStart("extensions");
            for (String e : info.extensions()) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("backends");
            for (String b : info.backends()) {
                g.writeString(b);
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private static FullHttpResponse modelMetadata(ByteBufAllocator alloc, ModelMetadata m) {
        return HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 512, g -> {
            g.writeStartObject();
            g.writeStringField("name", m.name());
            g.writeArrayFieldStart("versions");
            for (String v : m.versions()) {
                g.writeString(v);
            }
            g.writeEndArray();
            g.writeStringField("platform", m.platform());
            writeTensors(g, "inputs", m.inputs());
            writeTensors(g, "outputs", m.outputs());
            g.writeEndObject();
        }));
    }

    private static void writeTensors(JsonGenerator g, String field, List<TensorSpec> specs)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorSpec s : specs) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeStringField("datatype", s.dataType().wireName());
            long[] shape = s.shape();
            g.writeFieldName("shape");
            g.writeArray(shape, 0, shape.length);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static FullHttpResponse index(ByteBufAllocator alloc, List<ModelIndexEntry> entries) {
        return HttpReplies.json(HttpResponseStatus.OK, JsonSupport.encode(alloc, 64 + 96 * entries.size(), g -> {
            g.writeStartArray();
            for (ModelIndexEntry e : entries) {
                // as Triton: a never-loaded model has its name only; empty version and reason are left out
                g.writeStartObject();
                g.writeStringField("name", e.name());
                if (!e.version().isEmpty()) {
                    g.writeStringField("version", e.version());
                }
                if (e.state() != ModelState.UNKNOWN) {
                    g.writeStringField("state", e.state().name());
                }
                if (!e.reason().isEmpty()) {
                    g.writeStringField("reason", e.reason());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }));
    }

    /** The optional index request body {@code {"ready": bool}}; an empty body means false. */
    private static boolean readyOnly(ByteBuf content) {
        if (!content.isReadable()) {
            return false;
        }
        boolean ready = false;
        try (InputStream in = new ByteBufInputStream(content.duplicate());
             JsonParser p = JsonSupport.FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return false; // only whitespace
            }
            if (t != JsonToken.START_OBJECT) {
                throw InferenceException.invalid("repository index request body is %s (expected: a JSON object "
                        + "such as {\"ready\": true})", JsonValues.describe(p, t));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("ready")) {
                    ready = JsonValues.bool(p, v, "'ready'");
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getOriginalMessage());
        } catch (IOException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getMessage());
        }
        return ready;
    }
}
