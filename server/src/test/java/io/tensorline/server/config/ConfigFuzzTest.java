package io.tensorline.server.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tensorline.engine.DataType;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.server.simulated.SimulatedEngineProvider;

import java.util.List;

/**
 * Fuzz target: config.pbtxt text through parsing, every auto-complete step (the model reporting one variable FP32
 * input and output) and validation, then into the domain records, as a model load runs them. The only acceptable
 * failure is a {@link ConfigException}, which makes the model UNAVAILABLE with its reason.
 */
class ConfigFuzzTest {

    private static final SimulatedEngineProvider ENGINE = new SimulatedEngineProvider();
    private static final List<TensorSpec> INPUTS = List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 4}));
    private static final List<TensorSpec> OUTPUTS = List.of(new TensorSpec("OUTPUT0", DataType.FP32,
            new long[] {-1, 4}));

    @FuzzTest(maxDuration = "4s")
    void parseCompleteValidate(FuzzedDataProvider data) {
        boolean autoComplete = data.consumeBoolean();
        int gpus = data.consumeInt(0, 2);
        String text = data.consumeRemainingAsString();
        ConfigAutoCompleter completer = new ConfigAutoCompleter(List.of(ENGINE), gpus, autoComplete);
        ConfigValidator validator = new ConfigValidator(gpus, autoComplete);
        try {
            ParsedModelConfig parsed = new ModelConfigParser().parse("m", "m/config.pbtxt", text);
            ModelConfig c = completer.completeIdentity(parsed.config(), "m", null);
            validator.validateName(c, "m");
            c = completer.completeDefaults(c, ENGINE);
            validator.validateBeforeLoad(c, "m");
            c = completer.completeFromModel(c, parsed.maxBatchSizeGiven(), INPUTS, OUTPUTS);
            validator.validate(c, "m", INPUTS, OUTPUTS);
            ModelSpecs.from(c);
        } catch (ConfigException e) {
            // the model is UNAVAILABLE with this reason
        }
    }
}
