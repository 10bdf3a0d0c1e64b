package io.tensorline.server.config;

import com.google.protobuf.TextFormat;
import io.tensorline.proto.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which config changes a running version takes in place: instance counts and dynamic batching settings only. */
class ConfigChangeTest {

    private static final String BASE = """
            name: "m" backend: "onnxruntime" max_batch_size: 8
            input { name: "x" data_type: TYPE_FP32 dims: [4] }
            instance_group { name: "cpu" kind: KIND_CPU count: 1 }
            instance_group { name: "gpu" kind: KIND_GPU count: 1 gpus: [0, 1] }
            dynamic_batching { max_queue_delay_microseconds: 100 preferred_batch_size: [4]
              priority_levels: 2 default_priority_level: 1 }
            """;

    private static ConfigChange change(String from, String to) throws Exception {
        return ConfigChange.between(doc(from), doc(to));
    }

    private static ModelDocument doc(String text) throws TextFormat.ParseException {
        return ModelDocument.of(TextFormat.parse(text, ModelConfig.class));
    }

    @Test
    void theSameConfigIsNoChange() throws Exception {
        ConfigChange c = change(BASE, BASE);
        assertTrue(c.none());
        assertFalse(c.inPlace());
    }

    @Test
    void instanceCountsOnlyApplyInPlace() throws Exception {
        ConfigChange c = change(BASE, BASE.replace("KIND_CPU count: 1", "KIND_CPU count: 3")
                .replace("KIND_GPU count: 1", "KIND_GPU count: 2"));
        assertEquals(new ConfigChange(true, false, false), c);
        assertTrue(c.inPlace());
    }

    @Test
    void dynamicBatchingSettingsOnlyApplyInPlace() throws Exception {
        String next = BASE.replace("max_queue_delay_microseconds: 100", "max_queue_delay_microseconds: 5000")
                .replace("preferred_batch_size: [4]", "preferred_batch_size: [2, 8]")
                .replace("default_priority_level: 1", "default_priority_level: 2 default_queue_policy { "
                        + "max_queue_size: 16 timeout_action: DELAY default_timeout_microseconds: 1000 } "
                        + "priority_queue_policy { key: 1 value { max_queue_size: 4 } }");
        ConfigChange c = change(BASE, next);
        assertEquals(new ConfigChange(false, true, false), c);
        assertTrue(c.inPlace());
    }

    @Test
    void countsAndBatchingTogetherApplyInPlace() throws Exception {
        ConfigChange c = change(BASE, BASE.replace("KIND_CPU count: 1", "KIND_CPU count: 2")
                .replace("max_queue_delay_microseconds: 100", "max_queue_delay_microseconds: 0"));
        assertEquals(new ConfigChange(true, true, false), c);
        assertTrue(c.inPlace());
    }

    @Test
    void priorityLevelsAndPreserveOrderingReload() throws Exception {
        assertReloads(BASE.replace("priority_levels: 2", "priority_levels: 3"));
        assertReloads(BASE.replace("priority_levels: 2", "priority_levels: 2 preserve_ordering: true"));
    }

    @Test
    void addingOrRemovingTheBatcherReloads() throws Exception {
        assertReloads(BASE.substring(0, BASE.indexOf("dynamic_batching")));
        String without = BASE.substring(0, BASE.indexOf("dynamic_batching"));
        assertFalse(change(without, without + "dynamic_batching { }").inPlace());
    }

    @Test
    void anythingElseAboutInstanceGroupsReloads() throws Exception {
        assertReloads(BASE.replace("gpus: [0, 1]", "gpus: [0]"));
        assertReloads(BASE.replace("name: \"cpu\"", "name: \"cpus\""));
        assertReloads(BASE.replace("kind: KIND_CPU", "kind: KIND_MODEL"));
        assertReloads(BASE + "instance_group { name: \"more\" kind: KIND_CPU count: 1 }");
    }

    @Test
    void changesOutsideTheRunTimeSettingsReloadEvenWithACountChange() throws Exception {
        assertReloads(BASE.replace("max_batch_size: 8", "max_batch_size: 16"));
        assertReloads(BASE.replace("dims: [4]", "dims: [5]"));
        assertReloads(BASE + "parameters { key: \"p\" value { string_value: \"1\" } }");
        ConfigChange c = change(BASE, BASE.replace("KIND_CPU count: 1", "KIND_CPU count: 2")
                .replace("max_batch_size: 8", "max_batch_size: 16"));
        assertTrue(c.other());
        assertFalse(c.inPlace());
    }

    private static void assertReloads(String next) throws Exception {
        ConfigChange c = change(BASE, next);
        assertTrue(c.other(), next);
        assertFalse(c.inPlace(), next);
    }
}
