package io.tensorline.server.config;

import com.google.protobuf.TextFormat;
import io.tensorline.engine.DataType;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every {@code sequence_batching} rule, each with the message that names model, field and expectation. */
class SequenceBatchingConfigTest {

    private static ModelConfig config(String sequenceBatching) throws TextFormat.ParseException {
        return TextFormat.parse("name: 'm' max_batch_size: 4 sequence_batching { " + sequenceBatching + " }",
                ModelConfig.class);
    }

    private static void assertRejected(String expected, String sequenceBatching) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> SequenceBatchingConfig.validate(config(sequenceBatching)));
        assertEquals(expected, e.getMessage());
    }

    private static final String START = "control_input [ { name: 'S' control [ { kind: CONTROL_SEQUENCE_START ";

    @Test
    void aControlNeedsOneFalseTrueArray() {
        assertRejected("model 'm': sequence batching must specify either 'int32_false_true', 'fp32_false_true' or "
                + "'bool_false_true' for CONTROL_SEQUENCE_START for m", START + "} ] } ]");
        assertRejected("model 'm': sequence batching must specify either 'int32_false_true', 'fp32_false_true' or "
                + "'bool_false_true' for CONTROL_SEQUENCE_START for m",
                START + "int32_false_true: [0, 1] fp32_false_true: [0, 1] } ] } ]");
    }

    @Test
    void aFalseTrueArrayHasTwoEntries() {
        assertRejected("model 'm': sequence batching control must have exactly 2 entries for CONTROL_SEQUENCE_START "
                + "for m (control input 'S' gives 3)", START + "int32_false_true: [0, 1, 2] } ] } ]");
    }

    @Test
    void corridTypesAreTritons() {
        assertRejected("model 'm': unexpected data type for control CONTROL_SEQUENCE_CORRID for m. Allowed data types "
                + "are TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 and TYPE_STRING",
                "control_input [ { name: 'C' control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_FP32 } ] } ]");
    }

    @Test
    void eachKindAndInputOnce() {
        assertRejected("model 'm': sequence_batching.control_input 'T': CONTROL_SEQUENCE_START is already given by "
                + "another input (expected: each control kind at most once)",
                START + "int32_false_true: [0, 1] } ] }, { name: 'T' control [ { kind: CONTROL_SEQUENCE_START "
                        + "int32_false_true: [0, 1] } ] } ]");
        assertRejected("model 'm': sequence_batching.control_input 'S': 0 controls (expected: exactly one control "
                + "per input)", "control_input [ { name: 'S' } ]");
    }

    @Test
    void oldestNeedsCandidatesAndPreferredSizesWithinTheBatch() {
        assertRejected("model 'm': sequence_batching.oldest.max_candidate_sequences: 0 (expected: >= 1)",
                "oldest { }");
        assertRejected("model 'm': sequence_batching.oldest.preferred_batch_size: 5 (expected: 1 to max_batch_size "
                + "4)", "oldest { max_candidate_sequences: 2 preferred_batch_size: [ 5 ] }");
    }

    @Test
    void directSlotUtilizationIsAFraction() {
        assertRejected("model 'm': sequence_batching.direct.minimum_slot_utilization: 1.5 (expected: 0.0 to 1.0)",
                "direct { minimum_slot_utilization: 1.5 }");
    }

    @Test
    void aStateNeedsNamesTypeDimsAndOneInitialState() {
        assertRejected("model 'm': sequence_batching.state: input_name 'a', output_name '' (expected: both set)",
                "state [ { input_name: 'a' } ]");
        assertRejected("model 'm': sequence_batching.state 'a': dims: [] (expected: at least one dimension)",
                "state [ { input_name: 'a' output_name: 'b' data_type: TYPE_INT32 } ]");
        assertRejected("model 'm': sequence_batching.state 'a': initial_state.data_type TYPE_FP32 (expected: the "
                + "state's TYPE_INT32)", "state [ { input_name: 'a' output_name: 'b' data_type: TYPE_INT32 dims: [1] "
                + "initial_state { data_type: TYPE_FP32 dims: [1] zero_data: true } } ]");
    }

    @Test
    void theResponseCacheIsRefusedInTritonsWords() throws Exception {
        ModelConfig c = config("").toBuilder().setResponseCache(
                io.tensorline.proto.ModelResponseCache.newBuilder().setEnable(true)).build();
        assertEquals("model 'm': Response Cache does not currently support model m with sequence batching "
                + "scheduler. Please disable the response cache.",
                assertThrows(ConfigException.class, () -> SequenceBatchingConfig.validate(c)).getMessage());
    }

    @Test
    void iterativeSequencesAreRefused() {
        assertRejected("model 'm': sequence_batching.iterative_sequence: true (expected: false; iterative sequences "
                + "are not supported)", "iterative_sequence: true");
    }

    @Test
    void anInitialStateFileMustHoldTheStateBytes(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("initial_state"));
        Files.write(dir.resolve("initial_state/s"), new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
        String state = "state [ { input_name: 'a' output_name: 'b' data_type: TYPE_INT32 dims: [%s] "
                + "initial_state { data_type: TYPE_INT32 dims: [%s] data_file: 's' } } ]";
        SequenceBatchingSpec spec = SequenceBatchingConfig.from(config(String.format(state, "2", "2")), dir);
        assertArrayEquals(new byte[] {1, 0, 0, 0, 2, 0, 0, 0}, spec.states().get(0).initialData());
        assertEquals(SequenceBatchingSpec.DEFAULT_MAX_IDLE_MICROS, spec.maxIdleMicros());
        ConfigException e = assertThrows(ConfigException.class,
                () -> SequenceBatchingConfig.from(config(String.format(state, "3", "3")), dir));
        assertEquals("model 'm': sequence_batching.state 'a': initial_state.data_file " + dir.resolve("initial_state/s")
                + " holds 8 bytes (expected: 12 for INT32 [3])", e.getMessage());
    }

    @Test
    void controlInputsMustBeModelInputsOfTheirType() throws Exception {
        SequenceBatchingSpec spec = SequenceBatchingConfig.from(config(START + "fp32_false_true: [0, 1] } ] } ]"),
                Path.of("."));
        List<TensorSpec> in = List.of(new TensorSpec("S", DataType.INT32, new long[] {-1, 1}));
        assertEquals("model 'm': sequence_batching.control_input 'S': the model's input is INT32 (expected: FP32, as "
                + "the control gives)", assertThrows(ConfigException.class,
                () -> SequenceBatchingConfig.validateAgainstModel("m", spec, in, List.of())).getMessage());
        assertEquals("model 'm': sequence_batching.control_input 'S': not an input of the model (expected one of [])",
                assertThrows(ConfigException.class,
                        () -> SequenceBatchingConfig.validateAgainstModel("m", spec, List.of(), List.of()))
                        .getMessage());
    }
}
