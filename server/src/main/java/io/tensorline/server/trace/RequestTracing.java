package io.tensorline.server.trace;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The trace extension in OpenTelemetry mode: the settings, the sampling decision per request, and the OpenTelemetry
 * SDK that records and exports the spans (OTLP/HTTP by default). The SDK (and its exporter thread) is built the
 * first time a request is traced, so a server whose tracing stays OFF never starts it.
 *
 * <p>The request path calls {@link #start}; with every level OFF that is one volatile read.
 */
public final class RequestTracing implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RequestTracing.class);

    private static final TextMapGetter<TraceParent> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceParent carrier) {
            return List.of(TraceParent.TRACEPARENT, TraceParent.TRACESTATE);
        }

        @Override
        public String get(TraceParent carrier, String key) {
            if (carrier == null) {
                return null;
            }
            return switch (key) {
                case TraceParent.TRACEPARENT -> carrier.traceparent();
                case TraceParent.TRACESTATE -> carrier.tracestate();
                default -> null;
            };
        }
    };

    private final TraceConfig config;
    private final TraceSettings settings;
    private final Supplier<SpanProcessor> processors;
    private volatile Tracer tracer;
    // guarded by this
    private SdkTracerProvider provider;
    private boolean closed;
    private boolean failed;

    /** @param processors makes the span processor when the first request is traced (tests pass an in-memory one) */
    public RequestTracing(TraceConfig config, Supplier<SpanProcessor> processors) {
        this.config = config;
        this.settings = new TraceSettings(config);
        this.processors = processors;
    }

    /** Exports to {@link TraceConfig#url} over OTLP/HTTP through a batch span processor with its {@code bsp_*}. */
    public static RequestTracing otlp(TraceConfig config) {
        return new RequestTracing(config, () -> BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                        .setEndpoint(config.url()).build())
                .setMaxQueueSize(config.bspMaxQueueSize())
                .setScheduleDelay(Duration.ofMillis(config.bspScheduleDelayMillis()))
                .setMaxExportBatchSize(config.bspMaxExportBatchSize())
                .build());
    }

    /** Whether any scope traces: transports skip reading trace headers when not. */
    public boolean enabled() {
        return settings.anyEnabled();
    }

    /**
     * The trace of a request to {@code model}, or null when it is not sampled (the common case). A valid
     * propagated context makes the request's span its child and is always sampled while tracing is not OFF.
     */
    public RequestTrace start(String model, TraceParent parent) {
        if (!settings.anyEnabled()) {
            return null;
        }
        Context context = Context.root();
        boolean propagated = false;
        if (parent != null) {
            context = W3CTraceContextPropagator.getInstance().extract(Context.root(), parent, GETTER);
            propagated = Span.fromContext(context).getSpanContext().isValid();
        }
        if (!settings.sampler(model).sample(propagated)) {
            return null;
        }
        Tracer t = tracer();
        return t == null ? null : new RequestTrace(t, context, model);
    }

    /** The setting of a model ({@code ""}: global), as the trace API answers it. */
    public Map<String, List<String>> settings(String model) {
        return settings.describe(model);
    }

    /**
     * Updates a setting ({@code ""}: global) and answers the result; see {@link TraceSettings#update}.
     * The caller checks the model is ready.
     */
    public Map<String, List<String>> update(String model, Map<String, List<String>> changes) {
        settings.update(model, changes);
        return settings.describe(model);
    }

    private Tracer tracer() {
        Tracer t = tracer;
        if (t != null) {
            return t;
        }
        synchronized (this) {
            if (closed || failed) {
                return null;
            }
            if (tracer == null) {
                try {
                    build();
                } catch (RuntimeException e) {
                    // a bad exporter setting must not fail requests: tracing stays off, said once
                    failed = true;
                    LOG.warn("tracing disabled: the OpenTelemetry SDK did not start: {}", e.toString());
                    return null;
                }
            }
            return tracer;
        }
    }

    // under this
    private void build() {
        AttributesBuilder resource = Attributes.builder();
        config.resource().forEach(resource::put);
        provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(Sampler.alwaysOn())
                .addSpanProcessor(processors.get())
                .build();
        tracer = provider.get("io.tensorline.server");
    }

    /** Exports what is left (up to 10 s) and stops the SDK. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
            provider = null;
        }
    }
}
