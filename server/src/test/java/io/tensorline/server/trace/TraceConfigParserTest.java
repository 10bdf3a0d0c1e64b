package io.tensorline.server.trace;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceConfigParserTest {

    @Test
    void noFlagsIsOffWithTritonsRateAndCount() {
        TraceConfig c = TraceConfigParser.parse(List.of());
        assertEquals(Set.of(), c.levels());
        assertEquals(1000, c.rate());
        assertEquals(-1, c.count());
        assertEquals(TraceConfig.DEFAULT_URL, c.url());
        assertEquals(Map.of("service.name", "tensorline"), c.resource());
    }

    @Test
    void readsGlobalAndOpenTelemetrySettings() {
        TraceConfig c = TraceConfigParser.parse(List.of("mode=opentelemetry", "level=TIMESTAMPS", "level=tensors",
                "rate=10", "count=5", "opentelemetry,url=http://collector:4318/v1/traces",
                "opentelemetry,resource=service.name=infer", "opentelemetry,resource=deployment=a=b",
                "opentelemetry,bsp_schedule_delay=100", "opentelemetry,bsp_max_queue_size=64",
                "opentelemetry,bsp_max_export_batch_size=8"));
        assertEquals(Set.of(TraceLevel.TIMESTAMPS, TraceLevel.TENSORS), c.levels());
        assertEquals(10, c.rate());
        assertEquals(5, c.count());
        assertEquals("http://collector:4318/v1/traces", c.url());
        assertEquals(Map.of("service.name", "infer", "deployment", "a=b"), c.resource());
        assertEquals(100, c.bspScheduleDelayMillis());
        assertEquals(64, c.bspMaxQueueSize());
        assertEquals(8, c.bspMaxExportBatchSize());
    }

    @Test
    void anyOffLevelTurnsTracingOff() {
        assertEquals(Set.of(), TraceConfigParser.parse(List.of("level=TIMESTAMPS", "level=off")).levels());
        assertEquals(Set.of(TraceLevel.TIMESTAMPS), TraceConfigParser.parse(List.of("level=true")).levels());
    }

    @Test
    void refusesWhatItDoesNotHave() {
        assertTrue(message("mode=triton").contains("opentelemetry only"));
        assertTrue(message("triton,file=/tmp/t.json").contains("opentelemetry only"));
        assertTrue(message("level=loud").contains("expected the level OFF, TIMESTAMPS or TENSORS"));
        assertTrue(message("count=-2").contains("expected an integer >= -1"));
        assertTrue(message("rate=x").contains("expected an integer >= 0"));
        assertTrue(message("opentelemetry,resource=novalue").contains("resource=<key>=<value>"));
        assertTrue(message("opentelemetry,colour=red").contains("expected an OpenTelemetry setting"));
        assertTrue(message("opentelemetry,url=collector:4318").contains("http:// or https:// URL"));
        assertTrue(message("verbose").contains("[<mode>,]<setting>=<value>"));
    }

    private static String message(String value) {
        return assertThrows(IllegalArgumentException.class, () -> TraceConfigParser.parse(List.of(value)))
                .getMessage();
    }
}
