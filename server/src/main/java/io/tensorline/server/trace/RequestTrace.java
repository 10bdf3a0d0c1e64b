package io.tensorline.server.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.tensorline.server.core.InferenceException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The trace of one sampled request: its {@code InferRequest} span, which the scheduler fills with a child span per
 * phase ({@code queue}, {@code compute_input}, {@code compute_infer}, {@code compute_output}) and a link to the
 * execution it ran in, and which ends with the request's outcome. Carried by the request; null when the request is
 * not traced, so an untraced request costs a null check. Written by one thread at a time as the request moves
 * (transport, instance, completing thread; each hand-off is a happens-before edge).
 */
public final class RequestTrace {

    static final AttributeKey<String> MODEL = AttributeKey.stringKey("model.name");
    static final AttributeKey<String> VERSION = AttributeKey.stringKey("model.version");
    static final AttributeKey<Long> REQUEST_BATCH = AttributeKey.longKey("request.batch_size");
    static final AttributeKey<Long> EXECUTION_BATCH = AttributeKey.longKey("execution.batch_size");
    static final AttributeKey<Long> EXECUTION_REQUESTS = AttributeKey.longKey("execution.request_count");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request.id");

    private final Tracer tracer;
    private final Span span;
    private final Context context;
    private final String model;
    private String version = "";

    RequestTrace(Tracer tracer, Context parent, String model) {
        this.tracer = tracer;
        this.model = model;
        this.span = tracer.spanBuilder("InferRequest").setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(MODEL, model).startSpan();
        this.context = parent.with(span);
    }

    /** The request's span, for tests and for whoever wants to add to it. */
    public Span span() {
        return span;
    }

    /** The request was resolved to a version and has its id and rows. */
    public void resolved(String version, String requestId, long rows) {
        this.version = version;
        span.setAttribute(VERSION, version);
        span.setAttribute(REQUEST_BATCH, rows);
        if (!requestId.isEmpty()) {
            span.setAttribute(REQUEST_ID, requestId);
        }
    }

    /**
     * Starts the span of an execution this request ran in (the first traced request of a batch makes it; the
     * others link to it too). Times are on the scheduler's clock; {@code now} is that clock's current reading.
     */
    public ExecutionTrace execution(int rows, int requests, long start, long assembled, long executed, long split,
                                    long now) {
        return new ExecutionTrace(tracer, model, version, rows, requests, start, assembled, executed, split, now);
    }

    /** Records one execution of this request: its queue and compute phases, and the link to the execution. */
    public void ran(ExecutionTrace execution, long arrival) {
        span.addLink(execution.spanContext());
        span.setAttribute(EXECUTION_BATCH, (long) execution.rows());
        phase("queue", execution.epochNanos(arrival), execution.epochNanos(execution.start()));
        phase("compute_input", execution.epochNanos(execution.start()), execution.epochNanos(execution.assembled()));
        phase("compute_infer", execution.epochNanos(execution.assembled()), execution.epochNanos(execution.executed()));
        phase("compute_output", execution.epochNanos(execution.executed()), execution.epochNanos(execution.split()));
    }

    private void phase(String name, long startEpochNanos, long endEpochNanos) {
        tracer.spanBuilder(name).setParent(context).setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
                .startSpan().end(endEpochNanos, TimeUnit.NANOSECONDS);
    }

    /** Ends the span with the request's outcome; a {@code whenComplete} callback of the response. */
    public void finish(Object response, Throwable error) {
        if (error == null) {
            span.setAttribute(OUTCOME, "SUCCESS");
        } else {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            String outcome = cause instanceof InferenceException ie ? ie.code().name()
                    : cause instanceof java.util.concurrent.CancellationException ? "CANCELLED" : "INTERNAL";
            span.setAttribute(OUTCOME, outcome);
            span.setStatus(StatusCode.ERROR, cause.getMessage() == null ? outcome : cause.getMessage());
        }
        span.end();
    }
}
