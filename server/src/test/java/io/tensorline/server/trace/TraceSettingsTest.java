package io.tensorline.server.trace;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceSettingsTest {

    private final TraceSettings settings = new TraceSettings(TraceConfig.defaults());

    @Test
    void answersTheFullSettingWithOffAsALevel() {
        Map<String, List<String>> s = settings.describe("");
        assertEquals(List.of("OFF"), s.get("trace_level"));
        assertEquals(List.of("1000"), s.get("trace_rate"));
        assertEquals(List.of("-1"), s.get("trace_count"));
        assertEquals(List.of("opentelemetry"), s.get("trace_mode"));
        assertEquals(List.of(TraceConfig.DEFAULT_URL), s.get("url"));
        assertEquals(List.of("service.name=tensorline"), s.get("resource"));
        assertFalse(settings.anyEnabled());
    }

    @Test
    void aModelSettingFollowsGlobalInTheKeysItDidNotSet() {
        settings.update("m", Map.of("trace_rate", List.of("7")));
        settings.update("", Map.of("trace_level", List.of("TIMESTAMPS"), "trace_count", List.of("3")));
        Map<String, List<String>> m = settings.describe("m");
        assertEquals(List.of("TIMESTAMPS"), m.get("trace_level"));
        assertEquals(List.of("7"), m.get("trace_rate"));
        assertEquals(List.of("3"), m.get("trace_count"));
        assertEquals(List.of("1000"), settings.describe("").get("trace_rate"));
        assertTrue(settings.anyEnabled());
    }

    @Test
    void clearingAKeyFallsBackToGlobal() {
        settings.update("m", Map.of("trace_rate", List.of("7")));
        Map<String, List<String>> clear = new HashMap<>();
        clear.put("trace_rate", null);
        settings.update("m", clear);
        assertEquals(List.of("1000"), settings.describe("m").get("trace_rate"));
        settings.update("m", Map.of("trace_rate", List.of("9")));
        settings.update("m", Map.of("trace_rate", List.of()));
        assertEquals(List.of("1000"), settings.describe("m").get("trace_rate"));
    }

    @Test
    void refusesInTritonsWords() {
        assertEquals("Expect only one trace level 'OFF' is specified",
                refused(Map.of("trace_level", List.of("OFF", "TIMESTAMPS"))).getMessage());
        assertEquals("Unable to parse 'trace_rate', got: fast",
                refused(Map.of("trace_rate", List.of("fast"))).getMessage());
        assertEquals("Unable to parse 'trace_count'. Expecting value >= -1, got:-5",
                refused(Map.of("trace_count", List.of("-5"))).getMessage());
        assertEquals("expect only 1 value for 'trace_rate'",
                refused(Map.of("trace_rate", List.of("1", "2"))).getMessage());
        InferenceException file = refused(Map.of("trace_file", List.of("/tmp/x")));
        assertEquals(ErrorCode.UNSUPPORTED, file.code());
        assertEquals("trace file location can not be updated through network protocol", file.getMessage());
        assertTrue(refused(Map.of("url", List.of("http://x"))).getMessage().startsWith("unknown trace setting 'url'"));
    }

    @Test
    void aRefusedUpdateChangesNothing() {
        Map<String, List<String>> mixed = new java.util.LinkedHashMap<>();
        mixed.put("trace_level", List.of("TIMESTAMPS"));
        mixed.put("trace_rate", List.of("fast"));
        assertThrows(InferenceException.class, () -> settings.update("", mixed));
        assertEquals(List.of("OFF"), settings.describe("").get("trace_level"));
        assertFalse(settings.anyEnabled());
    }

    @Test
    void samplesOneInRateUntilTheCountIsUsedUp() {
        settings.update("", Map.of("trace_level", List.of("TIMESTAMPS"), "trace_rate", List.of("2"),
                "trace_count", List.of("2")));
        Sampler s = settings.sampler("any");
        List<Boolean> decisions = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            decisions.add(s.sample(false));
        }
        assertEquals(List.of(true, false, true, false, false, false, false, false), decisions);
    }

    @Test
    void aPropagatedContextIsAlwaysSampledUnlessOff() {
        settings.update("", Map.of("trace_level", List.of("TIMESTAMPS"), "trace_rate", List.of("0")));
        assertFalse(settings.sampler("m").sample(false));
        assertTrue(settings.sampler("m").sample(true));
        settings.update("m", Map.of("trace_level", List.of("OFF")));
        assertFalse(settings.sampler("m").sample(true));
        assertTrue(settings.sampler("other").sample(true));
    }

    @Test
    void modelsWithoutTheirOwnSettingShareTheGlobalSampler() {
        settings.update("", Map.of("trace_level", List.of("TIMESTAMPS")));
        assertSame(settings.sampler("a"), settings.sampler("b"));
        assertEquals(Set.of(TraceLevel.TIMESTAMPS), settings.sampler("a").setting().levels());
    }

    private InferenceException refused(Map<String, List<String>> changes) {
        return assertThrows(InferenceException.class, () -> settings.update("", changes));
    }
}
