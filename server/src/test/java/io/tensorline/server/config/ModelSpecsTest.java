package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelVersionPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecsTest {

    private static ModelConfig realistic() throws ConfigException {
        return new ModelConfigParser().parse("densenet", "config.pbtxt", ModelConfigParserTest.REALISTIC).config()
                .toBuilder().setBackend("onnxruntime").setDefaultModelFilename("model.onnx").build();
    }

    @Test
    void convertsTensors() throws Exception {
        ModelSpec spec = ModelSpecs.from(realistic());

        IoSpec data = spec.input("data_0");
        assertEquals(DataType.FP32, data.dataType());
        assertArrayEquals(new long[] {3, 224, 224}, data.dims());
        assertArrayEquals(new long[] {1, 3, 224, 224}, data.reshape());
        assertFalse(data.optional());
        assertTrue(spec.input("mask").optional());
        assertNull(spec.output("fc6_1").reshape());
        assertEquals(8, spec.maxBatchSize());
        assertEquals("model.onnx", spec.modelFileName());
        assertEquals(Map.of("intra_op_thread_count", "2"), spec.parameters());
    }

    @Test
    void convertsInstanceGroups() throws Exception {
        List<InstanceGroupSpec> groups = ModelSpecs.from(realistic()).instanceGroups();

        assertEquals(new InstanceGroupSpec("cpu_pool", 2, InstanceGroupSpec.Kind.CPU, List.of()), groups.get(0));
        assertEquals(new InstanceGroupSpec("", 1, InstanceGroupSpec.Kind.GPU, List.of(0, 1)), groups.get(1));
    }

    @Test
    void convertsDynamicBatching() throws Exception {
        DynamicBatchingSpec db = ModelSpecs.from(realistic()).dynamicBatching();

        assertEquals(List.of(4, 8), db.preferredBatchSizes());
        assertEquals(100, db.maxQueueDelayMicros());
        assertEquals(2, db.priorityLevels());
        assertEquals(2, db.defaultPriorityLevel());
        assertEquals(new QueuePolicySpec(QueuePolicySpec.TimeoutAction.REJECT, 0, false, 16), db.queuePolicy(2));
        assertEquals(new QueuePolicySpec(QueuePolicySpec.TimeoutAction.DELAY, 5000, true, 0), db.queuePolicy(1));
    }

    @Test
    void noSchedulerMeansNoDynamicBatching() throws Exception {
        assertNull(ModelSpecs.from(realistic().toBuilder().clearDynamicBatching().build()).dynamicBatching());
    }

    @Test
    void convertsVersionPolicies() {
        assertEquals(new VersionPolicy.Specific(Set.of(1L, 3L)), ModelSpecs.versionPolicy(ModelVersionPolicy
                .newBuilder().setSpecific(ModelVersionPolicy.Specific.newBuilder().addVersions(1).addVersions(3))
                .build()));
        assertEquals(new VersionPolicy.All(), ModelSpecs.versionPolicy(ModelVersionPolicy.newBuilder()
                .setAll(ModelVersionPolicy.All.getDefaultInstance()).build()));
        assertEquals(new VersionPolicy.Latest(2), ModelSpecs.versionPolicy(ModelVersionPolicy.newBuilder()
                .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(2)).build()));
        assertEquals(new VersionPolicy.Latest(1), ModelSpecs.versionPolicy(ModelVersionPolicy.getDefaultInstance()));
    }
}
