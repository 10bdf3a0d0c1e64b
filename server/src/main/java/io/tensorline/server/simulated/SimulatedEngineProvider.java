package io.tensorline.server.simulated;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.TensorSpec;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test device shipped with the server ({@code backend: "simulated"}), so that anyone can reproduce the batching
 * tests and benchmarks without a model or an accelerator. Each output {@code OUTPUTk} is a copy of input
 * {@code INPUTk}, and each execution takes {@code execute_delay_us + rows × execute_delay_per_row_us}
 * (config.pbtxt {@code parameters}, in microseconds, both 0 by default), spent parked until shortly before the
 * deadline, then spinning the rest ({@link ParkThenSpin}).
 *
 * <p>The config must declare the inputs and outputs (there is no model file to complete them from). The version
 * folder holds a marker file, {@code model.simulated} unless {@code default_model_filename} says otherwise, whose
 * contents are ignored. Any device is accepted and none is touched.
 */
public final class SimulatedEngineProvider implements EngineProvider {

    public static final String BACKEND = "simulated";
    public static final String DELAY_PARAMETER = "execute_delay_us";
    public static final String DELAY_PER_ROW_PARAMETER = "execute_delay_per_row_us";

    private static final Pattern OUTPUT_NAME = Pattern.compile("OUTPUT(\\d+)");

    @Override
    public String backend() {
        return BACKEND;
    }

    @Override
    public Set<String> platforms() {
        return Set.of(BACKEND);
    }

    @Override
    public String defaultModelFileName() {
        return "model.simulated";
    }

    @Override
    public LoadedModel load(LoadRequest request) throws EngineException {
        return load(request, System::nanoTime, new ParkThenSpin());
    }

    /** As {@link #load(LoadRequest)}, with the clock and the pause a test controls. */
    LoadedModel load(LoadRequest request, LongSupplier clock, SimulatedModel.Pause pause) throws EngineException {
        if (!Files.exists(request.modelPath())) {
            throw new EngineException("simulated model '" + request.modelName() + "' version " + request.version()
                    + ": " + request.modelPath() + " does not exist (expected: a marker file, e.g. an empty "
                    + defaultModelFileName() + ")");
        }
        long delay = micros(request, DELAY_PARAMETER);
        long perRow = micros(request, DELAY_PER_ROW_PARAMETER);
        return new SimulatedModel(request.inputs(), request.outputs(), sources(request),
                request.maxBatchSize() > 0, delay * 1000, perRow * 1000, clock, pause);
    }

    /** For each output, in order, the input it copies. */
    private static List<String> sources(LoadRequest request) throws EngineException {
        if (request.inputs().isEmpty() || request.outputs().isEmpty()) {
            throw new EngineException("simulated model '" + request.modelName() + "' declares "
                    + request.inputs().size() + " inputs and " + request.outputs().size()
                    + " outputs (expected: config.pbtxt to declare INPUTk and OUTPUTk pairs)");
        }
        Map<String, TensorSpec> inputs = new HashMap<>();
        request.inputs().forEach(s -> inputs.put(s.name(), s));
        String[] sources = new String[request.outputs().size()];
        for (int i = 0; i < sources.length; i++) {
            TensorSpec out = request.outputs().get(i);
            Matcher m = OUTPUT_NAME.matcher(out.name());
            TensorSpec in = m.matches() ? inputs.get("INPUT" + m.group(1)) : null;
            if (in == null) {
                throw new EngineException("simulated model '" + request.modelName() + "': output '" + out.name()
                        + "' has no input to copy (expected: output OUTPUTk with an input INPUTk)");
            }
            if (in.dataType() != out.dataType() || !Arrays.equals(in.shape(), out.shape())) {
                throw new EngineException("simulated model '" + request.modelName() + "': output '" + out.name()
                        + "' is " + out + " (expected: " + in.dataType() + Arrays.toString(in.shape())
                        + ", as input '" + in.name() + "')");
            }
            sources[i] = in.name();
        }
        return List.of(sources);
    }

    private static long micros(LoadRequest request, String key) throws EngineException {
        String value = request.parameter(key, "0").trim();
        try {
            long micros = Long.parseLong(value);
            if (micros >= 0 && micros <= Long.MAX_VALUE / 1000) {
                return micros;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EngineException("simulated model '" + request.modelName() + "': parameter '" + key + "' is '"
                + value + "' (expected: a whole number of microseconds >= 0)");
    }
}
