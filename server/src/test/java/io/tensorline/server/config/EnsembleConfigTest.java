package io.tensorline.server.config;

import com.google.protobuf.TextFormat;
import io.tensorline.engine.DataType;
import io.tensorline.proto.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Triton's load-time checks of an ensemble, each with Triton's message. */
class EnsembleConfigTest {

    private static final String IO = "name: 'e' platform: 'ensemble' max_batch_size: 4 "
            + "input [ { name: 'IN' data_type: TYPE_FP32 dims: [ 4 ] } ] "
            + "output [ { name: 'OUT' data_type: TYPE_FP32 dims: [ 4 ] } ] ";

    private static ModelConfig config(String text) throws TextFormat.ParseException {
        return TextFormat.parse(text, ModelConfig.class);
    }

    private static String step(String model, String in, String out) {
        return "{ model_name: '" + model + "' model_version: -1 input_map { key: 'x' value: '" + in + "' } "
                + "output_map { key: 'y' value: '" + out + "' } }";
    }

    private static void assertRejected(String expected, Executable check) {
        assertEquals(expected, assertThrows(ConfigException.class, check).getMessage());
    }

    private static void assertStructureRejected(String expected, String text) {
        assertRejected(expected, () -> EnsembleConfig.validate(config(text)));
    }

    /** A composing model m: x FP32 [4] -> y FP32 [4], max_batch_size 8. */
    private static ModelSpec composing(DataType type, long dim, int mbs) {
        return new ModelSpec("m", "onnxruntime_onnx", "onnxruntime", mbs,
                List.of(new IoSpec("x", type, new long[] {dim}, null, false)),
                List.of(new IoSpec("y", DataType.FP32, new long[] {4}, null, false)), List.of(), null,
                new VersionPolicy.Latest(1), "model.onnx", Map.of());
    }

    @Test
    void aTwoStepChainPasses() throws Exception {
        ModelConfig c = config(IO + "ensemble_scheduling { step [ " + step("m", "IN", "mid") + ", "
                + step("m", "mid", "OUT") + " ] }");
        EnsembleConfig.validate(c);
        EnsembleConfig.validateAgainst(c, name -> composing(DataType.FP32, 4, 8));
        assertEquals(2, EnsembleConfig.spec(c).steps().size());
    }

    @Test
    void structureRulesUseTritonsWords() {
        assertStructureRejected("ensemble scheduling cannot be set for model 'e' whose platform is not ensemble",
                "name: 'e' ensemble_scheduling { }");
        assertStructureRejected("must specify 'step' for ensemble 'e'", IO + "ensemble_scheduling { }");
        assertStructureRejected("instance group should not be specified for ensemble 'e'",
                IO + "instance_group [ { count: 1 } ] ensemble_scheduling { step [ " + step("m", "IN", "OUT") + " ] }");
        assertStructureRejected("ensemble input 'IN' for ensemble e' is not used",
                IO + "ensemble_scheduling { step [ " + step("m", "other", "OUT") + " ] }".replace("other", "OUT"));
        assertStructureRejected("output 'OUT' for ensemble 'e' is not written",
                IO + "ensemble_scheduling { step [ " + step("m", "IN", "x") + " ] }");
        assertStructureRejected("ensemble tensor 'OUT' can appear in an output map only once for ensemble 'e' step m",
                IO + "ensemble_scheduling { step [ " + step("m", "IN", "OUT") + ", " + step("m", "IN", "OUT") + " ] }");
        assertStructureRejected("ensemble tensor 'spare' is unused in ensemble 'e'",
                IO + "ensemble_scheduling { step [ " + step("m", "IN", "OUT") + ", " + step("m", "IN", "spare")
                        + " ] }");
    }

    @Test
    void aCycleIsRefused() {
        assertStructureRejected("model 'e': ensemble_scheduling: steps [a, b, c] wait on each other's outputs (expected: "
                + "the steps form a DAG, no cycle)", IO + "ensemble_scheduling { step [ "
                + "{ model_name: 'a' model_version: -1 input_map [ { key: 'x' value: 'IN' }, { key: 'z' value: 't2' } ] "
                + "output_map { key: 'y' value: 't1' } }, " + step("b", "t1", "t2") + ", " + step("c", "t1", "OUT")
                + " ] }");
    }

    @Test
    void composingModelRulesUseTritonsWords() throws Exception {
        ModelConfig c = config(IO + "ensemble_scheduling { step [ " + step("m", "IN", "OUT") + " ] }");
        assertRejected("ensemble e allows maximum batch size 4, but it contains model m which only allows maximum "
                + "batch size to be 2", () -> EnsembleConfig.validateAgainst(c, n -> composing(DataType.FP32, 4, 2)));
        assertRejected("inconsistent data type: TYPE_FP32 is inferred from model ensemble e while TYPE_INT32 is "
                + "inferred from model m for ensemble tensor IN",
                () -> EnsembleConfig.validateAgainst(c, n -> composing(DataType.INT32, 4, 8)));
        assertRejected("inconsistent shape: [4] is inferred from model ensemble e while [5] is inferred from model m "
                + "for ensemble tensor IN", () -> EnsembleConfig.validateAgainst(c, n -> composing(DataType.FP32, 5, 8)));
        ModelConfig wrongInput = config(IO + "ensemble_scheduling { step [ { model_name: 'm' input_map { key: 'q' "
                + "value: 'IN' } output_map { key: 'y' value: 'OUT' } } ] }");
        assertRejected("in ensemble e, ensemble tensor IN is mapping to non-existing input q in model m",
                () -> EnsembleConfig.validateAgainst(wrongInput, n -> composing(DataType.FP32, 4, 8)));
        ModelConfig wrongOutput = config(IO + "ensemble_scheduling { step [ { model_name: 'm' input_map { key: 'x' "
                + "value: 'IN' } output_map { key: 'w' value: 'OUT' } } ] }");
        assertRejected("in ensemble e, ensemble tensor OUT is mapped from non-existing output w in model m",
                () -> EnsembleConfig.validateAgainst(wrongOutput, n -> composing(DataType.FP32, 4, 8)));
    }
}
