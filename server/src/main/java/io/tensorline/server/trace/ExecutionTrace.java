package io.tensorline.server.trace;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.util.concurrent.TimeUnit;

/**
 * The {@code batch_execution} span of one engine execution that traced requests ran in: a trace of its own (an
 * execution serves requests of many traces), which each request span links to. Ended when made; it also converts
 * the scheduler's clock to the epoch time spans carry.
 */
public final class ExecutionTrace {

    private final SpanContext spanContext;
    private final int rows;
    private final long start;
    private final long assembled;
    private final long executed;
    private final long split;
    private final long now;
    private final long nowEpochNanos;

    ExecutionTrace(Tracer tracer, String model, String version, int rows, int requests, long start, long assembled,
                   long executed, long split, long now) {
        this.rows = rows;
        this.start = start;
        this.assembled = assembled;
        this.executed = executed;
        this.split = split;
        this.now = now;
        java.time.Instant t = java.time.Instant.now();
        this.nowEpochNanos = t.getEpochSecond() * 1_000_000_000L + t.getNano();
        Span span = tracer.spanBuilder("batch_execution").setParent(Context.root()).setNoParent()
                .setStartTimestamp(epochNanos(start), TimeUnit.NANOSECONDS)
                .setAllAttributes(Attributes.of(RequestTrace.MODEL, model, RequestTrace.VERSION, version,
                        RequestTrace.EXECUTION_BATCH, (long) rows, RequestTrace.EXECUTION_REQUESTS, (long) requests))
                .startSpan();
        span.addEvent("COMPUTE_INPUT_END", epochNanos(assembled), TimeUnit.NANOSECONDS);
        span.addEvent("COMPUTE_OUTPUT_START", epochNanos(executed), TimeUnit.NANOSECONDS);
        span.end(epochNanos(split), TimeUnit.NANOSECONDS);
        this.spanContext = span.getSpanContext();
    }

    SpanContext spanContext() {
        return spanContext;
    }

    int rows() {
        return rows;
    }

    long start() {
        return start;
    }

    long assembled() {
        return assembled;
    }

    long executed() {
        return executed;
    }

    long split() {
        return split;
    }

    /** A reading of the scheduler's clock as nanoseconds since the epoch. */
    long epochNanos(long schedulerNanos) {
        return nowEpochNanos - (now - schedulerNanos);
    }
}
