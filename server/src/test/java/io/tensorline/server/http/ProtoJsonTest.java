package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.proto.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelDynamicBatching;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelParameter;
import io.tensorline.proto.ModelQueuePolicy;
import io.tensorline.proto.ModelSequenceBatching;
import io.tensorline.proto.ModelTensorReshape;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtoJsonTest {

    private static JsonNode parse(String json) throws IOException {
        return RestFixture.JSON.readTree(json);
    }

    private static ModelConfig sample() {
        return ModelConfig.newBuilder()
                .setName("m")
                .setPlatform("onnxruntime_onnx")
                .setMaxBatchSize(8)
                .addInput(ModelInput.newBuilder().setName("INPUT0").setDataType(DataType.TYPE_STRING)
                        .addDims(-1).addDims(3_000_000_000L)
                        .setReshape(ModelTensorReshape.newBuilder().addShape(1)))
                .setDynamicBatching(ModelDynamicBatching.newBuilder()
                        .addPreferredBatchSize(4)
                        .setMaxQueueDelayMicroseconds(-1L) // uint64 max
                        .setPriorityLevels(2)
                        .putPriorityQueuePolicy(2, ModelQueuePolicy.newBuilder().setMaxQueueSize(-1)
                                .setTimeoutAction(ModelQueuePolicy.TimeoutAction.DELAY).build())
                        .putPriorityQueuePolicy(1, ModelQueuePolicy.getDefaultInstance()))
                .putParameters("b", ModelParameter.newBuilder().setStringValue("2").build())
                .putParameters("a", ModelParameter.newBuilder().setStringValue("1").build())
                .putMetricTags("team", "ml")
                .build();
    }

    @Test
    void usesProtoFieldNamesAndEnumNames() throws IOException {
        JsonNode j = parse(ProtoJson.toJson(sample()));
        JsonNode in = j.get("input").get(0);
        assertEquals("TYPE_STRING", in.get("data_type").asText());
        assertEquals("FORMAT_NONE", in.get("format").asText());
        assertNull(in.get("dataType"));
    }

    @Test
    void includesDefaultsOfScalarsAndEmptyRepeatedAndMaps() throws IOException {
        JsonNode j = parse(ProtoJson.toJson(ModelConfig.getDefaultInstance()));
        assertEquals(0, j.get("max_batch_size").asInt());
        assertTrue(j.get("max_batch_size").isInt());
        assertEquals("", j.get("backend").asText());
        assertEquals("[]", j.get("input").toString());
        assertEquals("{}", j.get("parameters").toString());
        assertEquals("{}", j.get("cc_model_filenames").toString());
        assertFalse(j.has("version_policy"), "unset messages are left out");
        assertFalse(j.has("dynamic_batching"), "unset oneof members are left out");
    }

    @Test
    void writes64BitIntegersAsNumbersIncludingUnsignedMax() throws IOException {
        String text = ProtoJson.toJson(sample());
        JsonNode j = parse(text);
        JsonNode dims = j.get("input").get(0).get("dims");
        assertTrue(dims.get(1).isNumber());
        assertEquals(3_000_000_000L, dims.get(1).asLong());
        assertTrue(text.contains("\"max_queue_delay_microseconds\":18446744073709551615"), text);
        assertTrue(text.contains("\"max_queue_size\":4294967295"), text);
        assertEquals("[1]", j.get("input").get(0).get("reshape").get("shape").toString());
    }

    @Test
    void writesMapsAsObjectsWithSortedKeys() throws IOException {
        String text = ProtoJson.toJson(sample());
        assertTrue(text.contains("\"parameters\":{\"a\":{\"string_value\":\"1\"},\"b\":{\"string_value\":\"2\"}}"),
                text);
        JsonNode policies = parse(text).get("dynamic_batching").get("priority_queue_policy");
        assertEquals("[1, 2]", iteratorNames(policies));
        assertEquals("DELAY", policies.get("2").get("timeout_action").asText());
        assertEquals("REJECT", policies.get("1").get("timeout_action").asText());
        assertEquals("ml", parse(text).get("metric_tags").get("team").asText());
    }

    @Test
    void writesTheSetOneofMemberOnly() throws IOException {
        ModelConfig seq = ModelConfig.newBuilder().setSequenceBatching(ModelSequenceBatching.newBuilder()
                .setOldest(ModelSequenceBatching.StrategyOldest.newBuilder().setMaxCandidateSequences(4))
                .addControlInput(ModelSequenceBatching.ControlInput.newBuilder().setName("START")
                        .addControl(ModelSequenceBatching.Control.newBuilder()
                                .setKind(ModelSequenceBatching.Control.Kind.CONTROL_SEQUENCE_START)
                                .addFp32FalseTrue(0).addFp32FalseTrue(1.5f)))).build();
        JsonNode j = parse(ProtoJson.toJson(seq));
        JsonNode sb = j.get("sequence_batching");
        assertEquals(4, sb.get("oldest").get("max_candidate_sequences").asInt());
        assertFalse(sb.has("direct"));
        assertFalse(j.has("dynamic_batching"));
        assertEquals("[0.0,1.5]", sb.get("control_input").get(0).get("control").get(0).get("fp32_false_true")
                .toString());
    }

    private static String iteratorNames(JsonNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }
}
