package io.tensorline.server.config;

import io.tensorline.proto.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelQueuePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigParserTest {

    static final String REALISTIC = """
            # a config as Triton users write them
            name: "densenet"
            platform: "onnxruntime_onnx"
            max_batch_size: 8
            version_policy: { specific { versions: [ 1, 3 ] } }
            input [
              {
                name: "data_0"
                data_type: TYPE_FP32
                format: FORMAT_NCHW
                dims: [ 3, 224, 224 ]
                reshape: { shape: [ 1, 3, 224, 224 ] }
              },
              {
                name: "mask"
                data_type: TYPE_BOOL
                dims: [ -1 ]
                optional: true
              }
            ]
            output [
              {
                name: "fc6_1"
                data_type: TYPE_FP32
                dims: [ 1000 ]
                label_filename: "densenet_labels.txt"
              }
            ]
            instance_group [
              {
                name: "cpu_pool"
                count: 2
                kind: KIND_CPU
              },
              {
                count: 1
                kind: KIND_GPU
                gpus: [ 0, 1 ]
              }
            ]
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              max_queue_delay_microseconds: 100
              priority_levels: 2
              default_priority_level: 2
              default_queue_policy { max_queue_size: 16 }
              priority_queue_policy {
                key: 1
                value: { timeout_action: DELAY, default_timeout_microseconds: 5000, allow_timeout_override: true }
              }
            }
            parameters { key: "intra_op_thread_count" value: { string_value: "2" } }
            model_warmup [ { name: "zeros" batch_size: 1 inputs { key: "data_0" value: { data_type: TYPE_FP32 dims: [ 3, 224, 224 ] zero_data: true } } } ]
            """;

    private final ModelConfigParser parser = new ModelConfigParser();

    @Test
    void parsesARealisticTritonConfig() throws Exception {
        ParsedModelConfig parsed = parser.parse("densenet", "config.pbtxt", REALISTIC);
        ModelConfig c = parsed.config();

        assertTrue(parsed.maxBatchSizeGiven());
        assertEquals("densenet", c.getName());
        assertEquals(8, c.getMaxBatchSize());
        assertEquals(List.of(1L, 3L), c.getVersionPolicy().getSpecific().getVersionsList());
        assertEquals(DataType.TYPE_FP32, c.getInput(0).getDataType());
        assertEquals(List.of(1L, 3L, 224L, 224L), c.getInput(0).getReshape().getShapeList());
        assertTrue(c.getInput(1).getOptional());
        assertEquals("densenet_labels.txt", c.getOutput(0).getLabelFilename());
        assertEquals(ModelInstanceGroup.Kind.KIND_GPU, c.getInstanceGroup(1).getKind());
        assertEquals(List.of(0, 1), c.getInstanceGroup(1).getGpusList());
        assertEquals(List.of(4, 8), c.getDynamicBatching().getPreferredBatchSizeList());
        assertEquals(ModelQueuePolicy.TimeoutAction.DELAY,
                c.getDynamicBatching().getPriorityQueuePolicyMap().get(1L).getTimeoutAction());
        assertEquals("2", c.getParametersMap().get("intra_op_thread_count").getStringValue());
        assertEquals(1, c.getModelWarmupCount());
    }

    @Test
    void anExplicitZeroMaxBatchSizeCountsAsGiven() throws Exception {
        assertTrue(parser.parse("m", "f", "max_batch_size: 0").maxBatchSizeGiven());
        assertFalse(parser.parse("m", "f", "platform: \"x\"").maxBatchSizeGiven());
    }

    @Test
    void aSyntaxErrorNamesModelFileLineAndColumn() {
        String text = "name: \"m\"\nmax_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP33 } ]\n";
        ConfigException e = assertThrows(ConfigException.class, () -> parser.parse("m", "/repo/m/config.pbtxt", text));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("model 'm': cannot parse /repo/m/config.pbtxt at line 3, column "), msg);
        assertTrue(msg.contains("TYPE_FP33"), msg);
    }

    @Test
    void anUnknownFieldIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parser.parse("m", "config.pbtxt", "name: \"m\"\nmax_batch: 8\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("max_batch"), e.getMessage());
    }

    @Test
    void readsConfigPbtxtFromTheModelDirectory(@TempDir Path repo) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("simple"));
        Files.writeString(dir.resolve("config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_size: 2\n");

        ParsedModelConfig parsed = parser.parse(dir);

        assertEquals("onnxruntime_onnx", parsed.config().getPlatform());
        assertEquals(2, parsed.config().getMaxBatchSize());
        assertEquals("", parsed.config().getName()); // completion fills it in
    }

    @Test
    void aMissingConfigGivesAnEmptyConfigNamedAfterTheDirectory(@TempDir Path repo) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("mlp"));

        ParsedModelConfig parsed = parser.parse(dir);

        assertEquals(ModelConfig.newBuilder().setName("mlp").build(), parsed.config());
        assertFalse(parsed.maxBatchSizeGiven());
    }

    @Test
    void aParseErrorInAFileNamesThatFile(@TempDir Path repo) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("broken"));
        Files.writeString(dir.resolve("config.pbtxt"), "name: \"broken\"\ninput [ { name: \"x\" \n");

        ConfigException e = assertThrows(ConfigException.class, () -> parser.parse(dir));

        assertTrue(e.getMessage().startsWith("model 'broken': cannot parse " + dir.resolve("config.pbtxt")
                + " at line "), e.getMessage());
    }
}
