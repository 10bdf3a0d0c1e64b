package io.tensorline.server.cli;

import io.tensorline.server.trace.TraceConfig;
import io.tensorline.server.trace.TraceLevel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceFlagsTest {

    private static TraceConfig parse(String... args) throws Flags.UsageException {
        return TraceFlags.from(Main.serveFlags(Path.of("model-repository")).parse(args));
    }

    @Test
    void repeatedTraceConfigFlagsCombine() throws Exception {
        TraceConfig c = parse("--trace-config", "mode=opentelemetry", "--trace-config=level=TIMESTAMPS",
                "--trace-config", "opentelemetry,url=http://otel-collector:4318/v1/traces", "--trace-config",
                "rate=100");
        assertEquals(Set.of(TraceLevel.TIMESTAMPS), c.levels());
        assertEquals(100, c.rate());
        assertEquals("http://otel-collector:4318/v1/traces", c.url());
    }

    @Test
    void withoutTheFlagTracingIsOff() throws Exception {
        assertEquals(Set.of(), parse().levels());
    }

    @Test
    void aBadValueIsAUsageError() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class, () -> parse("--trace-config", "rate=-1"));
        assertTrue(e.getMessage().startsWith("invalid --trace-config 'rate=-1'"), e.getMessage());
    }
}
