package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelTensorReshape;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks {@code input} and {@code output}: each declaration on its own, then against the tensors the loaded model
 * declares, so a mismatch fails when the model loads rather than on every request.
 */
final class IoValidator {

    /** One config tensor, input or output, seen the same way. */
    private record Declared(String kind, String name, int dataType, List<Long> dims, ModelTensorReshape reshape) {
        static Declared of(ModelInput in) {
            return new Declared("input", in.getName(), in.getDataTypeValue(), in.getDimsList(),
                    in.hasReshape() ? in.getReshape() : null);
        }

        static Declared of(ModelOutput out) {
            return new Declared("output", out.getName(), out.getDataTypeValue(), out.getDimsList(),
                    out.hasReshape() ? out.getReshape() : null);
        }

        /** The shape the engine sees: reshape (or dims), with the batch dimension when the model batches. */
        long[] engineShape(int maxBatchSize) {
            long[] shape = toArray(reshape != null ? reshape.getShapeList() : dims);
            return maxBatchSize > 0 ? Shapes.prepend(-1, shape) : shape;
        }
    }

    private IoValidator() {
    }

    /**
     * @param required whether the config must list inputs and outputs: always once completed, and already before
     *                 loading when auto-complete is off
     */
    static void validateDeclarations(ModelConfig config, boolean required) throws ConfigException {
        String model = config.getName();
        List<Declared> inputs = config.getInputList().stream().map(Declared::of).toList();
        List<Declared> outputs = config.getOutputList().stream().map(Declared::of).toList();
        checkList(model, "input", inputs, required);
        checkList(model, "output", outputs, required);
    }

    static void validateAgainstModel(ModelConfig config, List<TensorSpec> modelInputs, List<TensorSpec> modelOutputs)
            throws ConfigException {
        String model = config.getName();
        int mbs = config.getMaxBatchSize();
        for (ModelInput in : config.getInputList()) {
            checkAgainst(model, Declared.of(in), modelInputs, mbs);
        }
        for (ModelOutput out : config.getOutputList()) {
            checkAgainst(model, Declared.of(out), modelOutputs, mbs);
        }
        Set<String> declared = new HashSet<>();
        config.getInputList().forEach(in -> declared.add(in.getName()));
        for (TensorSpec t : modelInputs) {
            if (!declared.contains(t.name())) {
                throw ConfigException.of(model, "input: the model's input '%s' is missing (expected: every model "
                        + "input listed, the config lists %s)", t.name(), declared.stream().sorted().toList());
            }
        }
    }

    private static void checkList(String model, String kind, List<Declared> list, boolean required)
            throws ConfigException {
        if (list.isEmpty() && required) {
            throw ConfigException.of(model, "%s: none (expected: at least one %s, listed in config.pbtxt when "
                    + "auto-complete is off)", kind, kind);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Declared d = list.get(i);
            if (d.name().isEmpty()) {
                throw ConfigException.of(model, "%s #%d: name: empty (expected: a tensor name)", kind, i + 1);
            }
            if (!seen.add(d.name())) {
                throw ConfigException.of(model, "%s '%s': listed more than once (expected: unique %s names)",
                        kind, d.name(), kind);
            }
            checkDeclaration(model, d);
        }
    }

    private static void checkDeclaration(String model, Declared d) throws ConfigException {
        if (DataType.fromConfigNumber(d.dataType()) == null) {
            throw ConfigException.of(model, "%s '%s': data_type: %s (expected: a TYPE_* other than TYPE_INVALID)",
                    d.kind(), d.name(), d.dataType() == 0 ? "TYPE_INVALID" : Integer.toString(d.dataType()));
        }
        long[] dims = toArray(d.dims());
        if (dims.length == 0) {
            throw ConfigException.of(model, "%s '%s': dims: [] (expected: at least one dimension; a scalar is "
                    + "dims: [1] with reshape: { shape: [] })", d.kind(), d.name());
        }
        checkDims(model, d, "dims", dims);
        if (d.reshape() == null) {
            return;
        }
        long[] reshape = toArray(d.reshape().getShapeList());
        checkDims(model, d, "reshape.shape", reshape);
        if (isFixed(dims) && isFixed(reshape) && Shapes.elementCount(dims) != Shapes.elementCount(reshape)) {
            throw ConfigException.of(model, "%s '%s': reshape.shape %s has %d elements but dims %s have %d "
                            + "(expected: the same element count)", d.kind(), d.name(), Shapes.toString(reshape),
                    Shapes.elementCount(reshape), Shapes.toString(dims), Shapes.elementCount(dims));
        }
    }

    private static void checkDims(String model, Declared d, String field, long[] dims) throws ConfigException {
        for (long v : dims) {
            if (v != -1 && v <= 0) {
                throw ConfigException.of(model, "%s '%s': %s: %s (expected: each dimension -1 or > 0)",
                        d.kind(), d.name(), field, Shapes.toString(dims));
            }
        }
    }

    private static void checkAgainst(String model, Declared d, List<TensorSpec> modelSpecs, int mbs)
            throws ConfigException {
        TensorSpec actual = find(modelSpecs, d.name());
        if (actual == null) {
            throw ConfigException.of(model, "%s '%s': not in the model (expected one of the model's %ss: %s)",
                    d.kind(), d.name(), d.kind(), modelSpecs.stream().map(TensorSpec::name).toList());
        }
        DataType declared = DataType.fromConfigNumber(d.dataType());
        if (declared != actual.dataType()) {
            throw ConfigException.of(model, "%s '%s': data_type: %s (expected: %s, as the model declares)",
                    d.kind(), d.name(), declared.configName(), actual.dataType().configName());
        }
        long[] engineShape = d.engineShape(mbs);
        if (!fits(engineShape, actual.shape())) {
            throw ConfigException.of(model, "%s '%s': shape %s from %s (expected: %s, as the model declares; -1 "
                            + "only where the model has -1%s)", d.kind(), d.name(), Shapes.toString(engineShape),
                    d.reshape() != null ? "reshape.shape" : "dims", Shapes.toString(actual.shape()),
                    mbs > 0 ? ", the first dimension being the batch" : "");
        }
    }

    /** Every shape the config admits must be one the model accepts: equal ranks, fixed sizes agree. */
    private static boolean fits(long[] configShape, long[] modelShape) {
        if (configShape.length != modelShape.length) {
            return false;
        }
        for (int i = 0; i < configShape.length; i++) {
            if (modelShape[i] != -1 && configShape[i] != modelShape[i]) {
                return false;
            }
        }
        return true;
    }

    static TensorSpec find(List<TensorSpec> specs, String name) {
        for (TensorSpec t : specs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    private static boolean isFixed(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    static long[] toArray(List<Long> list) {
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
