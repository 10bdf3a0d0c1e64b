package io.tensorline.server.net;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RestrictedApisTest {

    private static RestrictedApis http(String... specs) {
        return RestrictedApis.parse(List.of(specs), "api", RestrictedApis.tritonGroups());
    }

    @Test
    void groupsShareOneRuleAndOthersStayOpen() {
        RestrictedApis r = http("model-config,statistics:admin-key=s3cret", "inference:infer-key=abc");
        assertEquals(new RestrictedApis.Rule("admin-key", "s3cret"), r.rule(RestrictedApis.Group.MODEL_CONFIG));
        assertEquals(new RestrictedApis.Rule("admin-key", "s3cret"), r.rule(RestrictedApis.Group.STATISTICS));
        assertEquals(new RestrictedApis.Rule("infer-key", "abc"), r.rule(RestrictedApis.Group.INFERENCE));
        assertNull(r.rule(RestrictedApis.Group.HEALTH));
    }

    @Test
    void theValueMustMatchExactly() {
        RestrictedApis r = http("inference:k=abc");
        assertNull(r.refused(RestrictedApis.Group.INFERENCE, Map.of("k", "abc")::get));
        assertNotNull(r.refused(RestrictedApis.Group.INFERENCE, Map.of("k", "abd")::get));
        assertNotNull(r.refused(RestrictedApis.Group.INFERENCE, Map.of("k", "ab")::get));
        assertNotNull(r.refused(RestrictedApis.Group.INFERENCE, Map.of("k", "abcd")::get));
        assertNotNull(r.refused(RestrictedApis.Group.INFERENCE, Map.<String, String>of()::get));
        assertNull(r.refused(RestrictedApis.Group.HEALTH, Map.<String, String>of()::get));
    }

    @Test
    void anEmptyValueIsAValue() {
        RestrictedApis r = http("health:k=");
        assertNull(r.refused(RestrictedApis.Group.HEALTH, Map.of("k", "")::get));
        assertNotNull(r.refused(RestrictedApis.Group.HEALTH, Map.<String, String>of()::get));
    }

    @Test
    void unknownGroupsAreRefusedInTritonsWords() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> http("inferense:k=v"));
        assertEquals("unknown restricted api 'inferense'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RestrictedApis.parse(List.of("metrics:k=v"),
                "protocol", RestrictedApis.tritonGroups()));
        assertEquals("unknown restricted protocol 'metrics'", e.getMessage());
    }

    @Test
    void aGroupInTwoRulesIsRefusedInTritonsWords() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> http("health,inference:a=1", "inference:b=2"));
        assertEquals("restricted api 'inference' can not be specified in multiple config groups", e.getMessage());
    }

    @Test
    void aMalformedSpecSaysWhatWasExpected() {
        for (String bad : new String[] {"inference", "inference:", ":k=v", "inference:=v", "inference:k"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> http(bad), bad);
            assertEquals("restricted api '" + bad + "' (expected: <group>[,<group>...]:<header>=<value>)",
                    e.getMessage());
        }
    }

    @Test
    void restPathsMapToTritonsGroups() {
        assertEquals(RestrictedApis.Group.METADATA, RestrictedApis.httpGroup("/v2"));
        assertEquals(RestrictedApis.Group.HEALTH, RestrictedApis.httpGroup("/v2/health/ready"));
        assertEquals(RestrictedApis.Group.HEALTH, RestrictedApis.httpGroup("/v2/models/m/versions/1/ready"));
        assertEquals(RestrictedApis.Group.METADATA, RestrictedApis.httpGroup("/v2/models/m"));
        assertEquals(RestrictedApis.Group.METADATA, RestrictedApis.httpGroup("/v2/models/m/versions/2"));
        assertEquals(RestrictedApis.Group.MODEL_CONFIG, RestrictedApis.httpGroup("/v2/models/m/config"));
        assertEquals(RestrictedApis.Group.STATISTICS, RestrictedApis.httpGroup("/v2/models/stats"));
        assertEquals(RestrictedApis.Group.STATISTICS, RestrictedApis.httpGroup("/v2/models/m/stats"));
        assertEquals(RestrictedApis.Group.INFERENCE, RestrictedApis.httpGroup("/v2/models/m/infer"));
        assertEquals(RestrictedApis.Group.INFERENCE, RestrictedApis.httpGroup("/v2/models/m/generate_stream"));
        assertEquals(RestrictedApis.Group.MODEL_REPOSITORY, RestrictedApis.httpGroup("/v2/repository/index"));
        assertEquals(RestrictedApis.Group.MODEL_REPOSITORY,
                RestrictedApis.httpGroup("/v2/repository/models/m/load"));
        assertEquals(RestrictedApis.Group.SHARED_MEMORY,
                RestrictedApis.httpGroup("/v2/systemsharedmemory/region/r/register"));
        assertEquals(RestrictedApis.Group.SHARED_MEMORY, RestrictedApis.httpGroup("/v2/cudasharedmemory/status"));
        assertEquals(RestrictedApis.Group.TRACE, RestrictedApis.httpGroup("/v2/trace/setting"));
        assertEquals(RestrictedApis.Group.TRACE, RestrictedApis.httpGroup("/v2/models/m/trace/setting"));
        assertEquals(RestrictedApis.Group.LOGGING, RestrictedApis.httpGroup("/v2/logging"));
        assertNull(RestrictedApis.httpGroup("/metrics"));
    }

    @Test
    void grpcMethodsMapToTritonsGroups() {
        String s = "inference.GRPCInferenceService/";
        assertEquals(RestrictedApis.Group.HEALTH, RestrictedApis.grpcGroup(s + "ServerLive"));
        assertEquals(RestrictedApis.Group.HEALTH, RestrictedApis.grpcGroup(s + "ModelReady"));
        assertEquals(RestrictedApis.Group.HEALTH, RestrictedApis.grpcGroup("grpc.health.v1.Health/Check"));
        assertEquals(RestrictedApis.Group.METADATA, RestrictedApis.grpcGroup(s + "ModelMetadata"));
        assertEquals(RestrictedApis.Group.INFERENCE, RestrictedApis.grpcGroup(s + "ModelStreamInfer"));
        assertEquals(RestrictedApis.Group.MODEL_CONFIG, RestrictedApis.grpcGroup(s + "ModelConfig"));
        assertEquals(RestrictedApis.Group.STATISTICS, RestrictedApis.grpcGroup(s + "ModelStatistics"));
        assertEquals(RestrictedApis.Group.MODEL_REPOSITORY, RestrictedApis.grpcGroup(s + "RepositoryModelUnload"));
        assertEquals(RestrictedApis.Group.SHARED_MEMORY,
                RestrictedApis.grpcGroup(s + "CudaSharedMemoryRegister"));
        assertEquals(RestrictedApis.Group.TRACE, RestrictedApis.grpcGroup(s + "TraceSetting"));
        assertEquals(RestrictedApis.Group.LOGGING, RestrictedApis.grpcGroup(s + "LogSettings"));
    }
}
