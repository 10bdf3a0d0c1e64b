package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.LogSettingsRequest;
import io.tensorline.proto.LogSettingsResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.logging.LogSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The logging extension over gRPC and REST, changing what a running server writes to its --log-file. */
class LoggingExtensionTest {

    private static final Logger PROBE = LoggerFactory.getLogger("io.tensorline.probe");

    @TempDir
    static Path dir;
    private static Path logFile;
    private static LiveServer live;

    @BeforeAll
    static void start() throws Exception {
        logFile = dir.resolve("server.log");
        live = LiveServer.wrap(TensorlineServer.start(TestServers.options(TestServers.TEST_REPOSITORY, true,
                256 * 1024 * 1024), LogSettings.defaults().withFile(logFile.toString())));
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
        LogControl.install(LogSettings.defaults()); // the console again, for the test classes that follow
    }

    @BeforeEach
    void defaults() throws Exception {
        assertEquals(200, live.post("/v2/logging", "{\"log_info\":true,\"log_warning\":true,\"log_error\":true,"
                + "\"log_verbose_level\":0,\"log_format\":\"default\"}").statusCode());
    }

    private static JsonNode getHttp() throws Exception {
        HttpResponse<String> r = live.http.send(live.request("/v2/logging").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return LiveServer.JSON.readTree(r.body());
    }

    private static LogSettingsResponse grpc(String key, LogSettingsRequest.SettingValue value) {
        return live.stub.logSettings(LogSettingsRequest.newBuilder().putSettings(key, value).build());
    }

    private static LogSettingsRequest.SettingValue bool(boolean b) {
        return LogSettingsRequest.SettingValue.newBuilder().setBoolParam(b).build();
    }

    private static List<String> logLines() throws Exception {
        return Files.readAllLines(logFile);
    }

    @Test
    void httpGetAnswersEveryKey() throws Exception {
        assertEquals("{\"log_file\":\"" + logFile + "\",\"log_info\":true,\"log_warning\":true,\"log_error\":true,"
                + "\"log_verbose_level\":0,\"log_format\":\"default\"}", getHttp().toString());
    }

    @Test
    void grpcAnswersEveryKeyWithTritonsKinds() {
        LogSettingsResponse r = live.stub.logSettings(LogSettingsRequest.getDefaultInstance());
        assertEquals(logFile.toString(), r.getSettingsOrThrow("log_file").getStringParam());
        assertTrue(r.getSettingsOrThrow("log_info").getBoolParam());
        assertEquals(0, r.getSettingsOrThrow("log_verbose_level").getUint32Param());
        assertEquals("default", r.getSettingsOrThrow("log_format").getStringParam());
        assertEquals(6, r.getSettingsCount());
    }

    @Test
    void switchingInfoOffOverGrpcStopsInfoLinesButNotWarnings() throws Exception {
        PROBE.info("probe-info-1");
        LogSettingsResponse r = grpc("log_info", bool(false));
        assertFalse(r.getSettingsOrThrow("log_info").getBoolParam());
        PROBE.info("probe-info-2");
        PROBE.warn("probe-warn-1");
        List<String> lines = logLines();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("I") && l.endsWith("probe] probe-info-1")), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("probe-info-2")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("W") && l.endsWith("probe-warn-1")), lines.toString());
        assertFalse(getHttp().get("log_info").asBoolean());
    }

    @Test
    void verboseLevelOverHttpTurnsDebugOn() throws Exception {
        PROBE.debug("probe-debug-1");
        HttpResponse<String> r = live.post("/v2/logging", "{\"log_verbose_level\":1,\"log_warning\":null}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, LiveServer.JSON.readTree(r.body()).get("log_verbose_level").asInt());
        PROBE.debug("probe-debug-2");
        List<String> lines = logLines();
        assertTrue(lines.stream().noneMatch(l -> l.contains("probe-debug-1")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("D") && l.endsWith("probe-debug-2")), lines.toString());
        assertEquals(1, live.stub.logSettings(LogSettingsRequest.getDefaultInstance())
                .getSettingsOrThrow("log_verbose_level").getUint32Param());
    }

    @Test
    void iso8601FormatPutsTheUtcTimeFirst() throws Exception {
        grpc("log_format", LogSettingsRequest.SettingValue.newBuilder().setStringParam("ISO8601").build());
        PROBE.warn("probe-iso");
        String line = logLines().stream().filter(l -> l.endsWith("probe-iso")).findFirst().orElseThrow();
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ W .*"), line);
        assertEquals("ISO8601", getHttp().get("log_format").asText());
    }

    @Test
    void theLogFileCannotBeChangedOverTheNetwork() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc("log_file",
                LogSettingsRequest.SettingValue.newBuilder().setStringParam("/tmp/x").build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        assertEquals("log file location can not be updated through network protocol", e.getStatus().getDescription());
        HttpResponse<String> r = live.post("/v2/logging", "{\"log_file\":\"/tmp/x\"}");
        assertEquals(501, r.statusCode());
        assertEquals("log file location can not be updated through network protocol", LiveServer.error(r));
        assertEquals(200, live.post("/v2/logging", "{\"log_file\":null}").statusCode());
    }

    @Test
    void aBadFormatIsRefusedInEachTransportsWords() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc("log_format",
                LogSettingsRequest.SettingValue.newBuilder().setStringParam("json").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("invalid argument for log_format, got: json", e.getStatus().getDescription());
        HttpResponse<String> r = live.post("/v2/logging", "{\"log_format\":\"json\"}");
        assertEquals(503, r.statusCode());
        assertEquals("invalid argument for --log_format, got: json", LiveServer.error(r));
    }

    @Test
    void wrongKindsAndUnknownKeysAreRefused() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc("log_info",
                LogSettingsRequest.SettingValue.newBuilder().setStringParam("yes").build()));
        assertEquals("expect boolean for 'log_info'", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> grpc("log_verbose_level", bool(true)));
        assertTrue(e.getStatus().getDescription().startsWith("expect int32 for 'log_verbose_level'"));
        HttpResponse<String> r = live.post("/v2/logging", "{\"log_infos\":true}");
        assertEquals(400, r.statusCode());
        assertTrue(LiveServer.error(r).startsWith("unknown log setting 'log_infos'"), r.body());
        r = live.post("/v2/logging", "{\"log_verbose_level\":-1}");
        assertEquals(400, r.statusCode());
        assertTrue(getHttp().get("log_info").asBoolean(), "a refused request changes nothing");
    }

    @Test
    void otherMethodsAre405() throws Exception {
        HttpResponse<String> r = live.http.send(live.request("/v2/logging")
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("GET, POST", r.headers().firstValue("allow").orElse(""));
    }

    @Test
    void serverMetadataListsLogging() {
        assertTrue(live.stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList()
                .contains("logging"));
    }
}
