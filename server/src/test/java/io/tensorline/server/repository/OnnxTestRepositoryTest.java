package io.tensorline.server.repository;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed test repository, loaded with the real ONNX Runtime engine found by ServiceLoader. */
class OnnxTestRepositoryTest {

    private static RepositoryModelRegistry registry;

    @BeforeAll
    static void loadRepository() throws Exception {
        Path repo = Path.of(OnnxTestRepositoryTest.class.getResource("/test-repository").toURI());
        registry = RepositoryModelRegistry.load(repo, RepositoryModelRegistry.Options.defaults(),
                EngineRegistry.fromClassPath(), new DefaultSchedulerFactory());
    }

    @AfterAll
    static void close() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void everyModelLoads() {
        assertEquals(List.of(), registry.loadFailures());
        assertEquals(17, registry.index().stream().map(ModelIndexEntry::name).distinct().count());
    }

    @Test
    void versionPoliciesPickTheServedVersions() {
        assertEquals(List.of(1L, 2L), registry.readyVersions("add_sub"));
        assertEquals(List.of(2L), registry.readyVersions("add_sub_latest"));
    }

    @Test
    void aBatchingModelWithoutConfigIsCompletedFromTheModel() {
        ModelConfig c = registry.resolve("autocomplete_batch", "").completedConfig().toProto();

        assertEquals("onnxruntime_onnx", c.getPlatform());
        assertEquals("onnxruntime", c.getBackend());
        assertEquals(4, c.getMaxBatchSize());
        assertEquals(List.of(3L), c.getInput(0).getDimsList());
        assertEquals(List.of(3L), c.getOutput(0).getDimsList());
        assertEquals(ModelInstanceGroup.newBuilder().setName("autocomplete_batch_0")
                .setKind(ModelInstanceGroup.Kind.KIND_CPU).setCount(2).build(), c.getInstanceGroup(0));
    }

    @Test
    void aFixedShapeModelWithoutConfigDoesNotBatch() {
        ModelConfig c = registry.resolve("autocomplete_nobatch", "").completedConfig().toProto();

        assertEquals(0, c.getMaxBatchSize());
        assertEquals(List.of(2L, 3L), c.getInput(0).getDimsList());
    }

    @Test
    void configuredInstanceGroupsAreKept() {
        ModelInstanceGroup g = registry.resolve("multi_instance", "").completedConfig().toProto().getInstanceGroup(0);
        assertEquals("multi_instance_0", g.getName());
        assertEquals(2, g.getCount());
    }

    @Test
    void modelsTheEngineCannotRunAreUnavailableWithTheEnginesReason() throws Exception {
        Path repo = Path.of(OnnxTestRepositoryTest.class.getResource("/unsupported-repository").toURI());
        try (RepositoryModelRegistry unsupported = RepositoryModelRegistry.load(repo,
                RepositoryModelRegistry.Options.defaults(), EngineRegistry.fromClassPath(),
                new DefaultSchedulerFactory())) {
            List<ModelIndexEntry> failures = unsupported.loadFailures();

            assertEquals(List.of("identity_uint16", "identity_uint32", "identity_uint64"),
                    failures.stream().map(ModelIndexEntry::name).toList());
            failures.forEach(f -> assertTrue(f.reason().startsWith("model '" + f.name() + "' version 1: engine "
                    + "'onnxruntime' cannot load it: input 'INPUT0' has type UINT"), f.reason()));
        }
    }

    @Test
    void anAutoCompletedModelServesRequests() throws Exception {
        InferenceServer server = new InferenceServer(registry, new ServerInfo("triton", "test", List.of()));
        ByteBuffer x = ByteBuffer.allocate(2 * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            x.putFloat(i);
        }
        x.flip();
        InferenceRequest request = new InferenceRequest("autocomplete_batch", "", "r1", Map.of(),
                List.of(Tensor.of("x", DataType.FP32, new long[] {2, 3}, x)), List.of(), System.nanoTime());

        InferenceResponse response = server.infer(request).get(30, TimeUnit.SECONDS);

        ByteBuffer y = response.outputs().get(0).data();
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1f, y.getFloat());
        }
    }
}
