package io.tensorline.engine.pytorch;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.TensorSpec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TorchScript model's inputs and outputs as config.pbtxt declares them (TorchScript itself carries no reliable
 * names or shapes), and how they map to {@code forward()}'s arguments and results. Triton's convention: when every
 * input name ends in {@code __<index>} ({@code INPUT__0}, {@code INPUT__1}) the index is the argument's position,
 * otherwise the order in config.pbtxt is; outputs likewise pick elements of the returned tuple or list. Immutable.
 */
final class TorchSignature {

    private static final Pattern INDEXED = Pattern.compile(".*__(\\d{1,9})");

    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final Map<String, Integer> inputIndex;
    private final int[] argumentOfInput;
    private final int[] resultOfOutput;
    private final boolean outputsIndexed;

    private TorchSignature(List<TensorSpec> inputs, List<TensorSpec> outputs, int[] argumentOfInput,
                           int[] resultOfOutput, boolean outputsIndexed) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.argumentOfInput = argumentOfInput;
        this.resultOfOutput = resultOfOutput;
        this.outputsIndexed = outputsIndexed;
        this.inputIndex = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            inputIndex.put(inputs.get(i).name(), i);
        }
    }

    /** Reads the declared tensors of a load request, refusing a config the engine cannot serve. */
    static TorchSignature from(LoadRequest request) throws EngineException {
        String model = "model '" + request.modelName() + "'";
        if (request.inputs().isEmpty() || request.outputs().isEmpty()) {
            throw new EngineException(missingDeclarations(model, request.maxBatchSize()));
        }
        checkTypes(request.inputs(), "input", model);
        checkTypes(request.outputs(), "output", model);
        int[] arguments = positions(request.inputs(), "input", model, true);
        int[] results = positions(request.outputs(), "output", model, false);
        boolean outputsIndexed = results != null;
        if (arguments == null) {
            arguments = identity(request.inputs().size());
        }
        if (results == null) {
            results = identity(request.outputs().size());
        }
        return new TorchSignature(request.inputs(), request.outputs(), arguments, results, outputsIndexed);
    }

    List<TensorSpec> inputs() {
        return inputs;
    }

    List<TensorSpec> outputs() {
        return outputs;
    }

    /** The declared position of an input name, or -1 when no input has that name. */
    int inputIndex(String name) {
        Integer index = inputIndex.get(name);
        return index == null ? -1 : index;
    }

    /** The {@code forward()} argument position of declared input {@code i}. */
    int argumentOf(int input) {
        return argumentOfInput[input];
    }

    /** The element of {@code forward()}'s result that declared output {@code j} takes. */
    int resultOf(int output) {
        return resultOfOutput[output];
    }

    /**
     * True when outputs are named {@code OUTPUT__<index>}: the model may then return more elements than are
     * declared; otherwise it must return exactly the declared outputs.
     */
    boolean outputsIndexed() {
        return outputsIndexed;
    }

    private static String missingDeclarations(String model, int maxBatchSize) {
        String example = "input [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [...] } ] and output [...]";
        if (maxBatchSize < 0) {
            // the server hands over declared tensors only once max_batch_size says how to read their dims
            return model + ": TorchScript models need max_batch_size, inputs and outputs in config.pbtxt (add"
                    + " max_batch_size: 0 or more, " + example + ")";
        }
        return model + ": TorchScript models need their inputs and outputs in config.pbtxt (add " + example + ")";
    }

    private static void checkTypes(List<TensorSpec> specs, String role, String model) throws EngineException {
        for (TensorSpec spec : specs) {
            DataType type = spec.dataType();
            if (TorchTypes.toDjl(type) == null) {
                throw new EngineException(model + ": " + role + " '" + spec.name() + "' has datatype " + type
                        + ", which the PyTorch engine does not support: " + TorchTypes.whyUnsupported(type)
                        + " (supported: " + TorchTypes.SUPPORTED + ")");
            }
        }
    }

    /**
     * The {@code __<index>} of every name, or {@code null} when some name has none. The indices must be distinct;
     * input indices must also number the arguments 0 to n-1, since forward() needs each one.
     */
    private static int[] positions(List<TensorSpec> specs, String role, String model, boolean complete)
            throws EngineException {
        int[] positions = new int[specs.size()];
        Set<Integer> distinct = new HashSet<>();
        boolean inRange = true;
        for (int i = 0; i < specs.size(); i++) {
            Matcher m = INDEXED.matcher(specs.get(i).name());
            if (!m.matches()) {
                return null;
            }
            positions[i] = Integer.parseInt(m.group(1));
            distinct.add(positions[i]);
            inRange &= positions[i] < specs.size();
        }
        if (distinct.size() < positions.length || (complete && !inRange)) {
            List<String> names = specs.stream().map(TensorSpec::name).toList();
            throw new EngineException(model + ": " + role + "s " + names + ": the __<index> suffixes must "
                    + (complete ? "number forward()'s arguments 0 to " + (specs.size() - 1) + ", each once"
                    : "pick distinct elements of forward()'s result"));
        }
        return positions;
    }

    private static int[] identity(int n) {
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
        }
        return positions;
    }
}
