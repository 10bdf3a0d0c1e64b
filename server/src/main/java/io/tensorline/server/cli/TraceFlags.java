package io.tensorline.server.cli;

import io.tensorline.server.trace.TraceConfig;
import io.tensorline.server.trace.TraceConfigParser;

/** Triton's {@code --trace-config} flag (OpenTelemetry mode). */
final class TraceFlags {

    private TraceFlags() {
    }

    static Flags declare(Flags f) {
        return f.declareRepeatable("trace-config", "[MODE,]SETTING=VALUE", "trace requests with OpenTelemetry: "
                + "level=OFF|TIMESTAMPS|TENSORS, rate=N (1 in N), count=N (-1 unlimited), mode=opentelemetry, "
                + "opentelemetry,url=URL (OTLP/HTTP, default " + TraceConfig.DEFAULT_URL + "), "
                + "opentelemetry,resource=KEY=VALUE, opentelemetry,bsp_max_queue_size|bsp_schedule_delay|"
                + "bsp_max_export_batch_size=N");
    }

    static TraceConfig from(Flags f) throws Flags.UsageException {
        try {
            return TraceConfigParser.parse(f.getAll("trace-config"));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
    }
}
