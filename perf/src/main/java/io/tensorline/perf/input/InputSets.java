package io.tensorline.perf.input;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.cli.InputDataSpec;
import io.tensorline.perf.model.DataTypes;
import io.tensorline.perf.model.ModelInfo;
import io.tensorline.perf.model.TensorMeta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Builds the input sets requests cycle through: one for random or zero data, one per step of an input data file.
 * Everything is built once, before the load starts.
 */
public final class InputSets {

    private final ModelInfo model;
    private final int batch;
    private final Map<String, long[]> shapes;
    private final int stringLength;

    public InputSets(ModelInfo model, int batch, Map<String, long[]> shapes, int stringLength) {
        this.model = model;
        this.batch = batch;
        this.shapes = Map.copyOf(shapes);
        this.stringLength = stringLength;
    }

    public List<InputSet> build(InputDataSpec spec, long seed) throws PerfException {
        checkBatch();
        checkInputs();
        return switch (spec.kind()) {
            case RANDOM, ZERO -> List.of(synthetic(spec.kind() == InputDataSpec.Kind.ZERO, new Random(seed)));
            case FILE -> fromSteps(InputDataFile.read(spec.file()), spec.file().toString());
        };
    }

    /** Input sets from parsed file steps; {@code source} names the file in messages. */
    public List<InputSet> fromSteps(List<Map<String, InputDataFile.StepInput>> steps, String source)
            throws PerfException {
        checkBatch();
        checkInputs();
        List<InputSet> sets = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Map<String, InputDataFile.StepInput> step = steps.get(i);
            String where = source + " data[" + i + "]";
            for (String name : step.keySet()) {
                if (model.inputs().stream().noneMatch(t -> t.name().equals(name))) {
                    throw new PerfException(where + " has input '" + name + "' that model '" + model.name()
                            + "' does not have (its inputs: " + inputNames() + ")");
                }
            }
            List<TensorData> tensors = new ArrayList<>();
            for (TensorMeta meta : model.inputs()) {
                InputDataFile.StepInput in = step.get(meta.name());
                if (in == null) {
                    throw new PerfException(where + " has no data for input '" + meta.name()
                            + "' (expected: every input of the model: " + inputNames() + ")");
                }
                tensors.add(fromFile(meta, in, where + "." + meta.name()));
            }
            sets.add(new InputSet(tensors));
        }
        return List.copyOf(sets);
    }

    private InputSet synthetic(boolean zero, Random rnd) throws PerfException {
        List<TensorData> tensors = new ArrayList<>();
        for (TensorMeta meta : model.inputs()) {
            long[] dims = InputShapes.resolve(meta, model.maxBatchSize(), shapes.get(meta.name()), "--shape");
            long[] shape = InputShapes.requestShape(dims, model.maxBatchSize(), batch);
            long count = InputShapes.elementCount(shape);
            byte[] raw = zero
                    ? TensorEncoder.zero(meta.datatype(), count, stringLength)
                    : TensorEncoder.random(meta.datatype(), count, stringLength, rnd);
            tensors.add(new TensorData(meta.name(), meta.datatype(), shape, raw));
        }
        return new InputSet(tensors);
    }

    private TensorData fromFile(TensorMeta meta, InputDataFile.StepInput in, String where) throws PerfException {
        long[] given = in.shape() != null ? in.shape() : shapes.get(meta.name());
        long[] dims = InputShapes.resolve(meta, model.maxBatchSize(), given,
                in.shape() != null ? where + " \"shape\"" : "--shape");
        long perItem = InputShapes.elementCount(dims);
        int rows = model.maxBatchSize() > 0 ? batch : 1;
        byte[] raw = TensorEncoder.fromJson(meta.datatype(), in.values(), where);
        if (in.values().size() == perItem) {
            raw = TensorEncoder.repeat(raw, rows);
        } else if (rows == 1 || in.values().size() != perItem * rows) {
            throw new PerfException(where + " has " + in.values().size() + " values (expected: " + perItem
                    + " for shape " + java.util.Arrays.toString(dims)
                    + (rows > 1 ? ", or " + perItem * rows + " for the whole batch of " + rows : "") + ")");
        }
        return new TensorData(meta.name(), meta.datatype(), InputShapes.requestShape(dims, model.maxBatchSize(), batch), raw);
    }

    private void checkBatch() throws PerfException {
        if (batch == 1 || model.maxBatchSize() >= batch) {
            return;
        }
        if (!model.configAvailable()) {
            throw new PerfException("-b " + batch + ": the server does not serve model configuration, so model '"
                    + model.name() + "' has no known max_batch_size (expected: -b 1, with full shapes via --shape)");
        }
        if (model.maxBatchSize() == 0) {
            throw new PerfException("-b " + batch + ": model '" + model.name()
                    + "' does not support batching (max_batch_size 0; expected: -b 1)");
        }
        throw new PerfException("-b " + batch + " exceeds the max_batch_size " + model.maxBatchSize()
                + " of model '" + model.name() + "' (expected: 1 to " + model.maxBatchSize() + ")");
    }

    private void checkInputs() throws PerfException {
        for (String name : shapes.keySet()) {
            if (model.inputs().stream().noneMatch(t -> t.name().equals(name))) {
                throw new PerfException("--shape " + name + ": model '" + model.name() + "' has no input '" + name
                        + "' (its inputs: " + inputNames() + ")");
            }
        }
        for (TensorMeta meta : model.inputs()) {
            if (!DataTypes.isKnown(meta.datatype())) {
                throw new PerfException("input '" + meta.name() + "' of model '" + model.name() + "' has datatype '"
                        + meta.datatype() + "' (expected: one of the protocol's datatypes, e.g. FP32, INT64, BYTES)");
            }
        }
    }

    private String inputNames() {
        return model.inputs().stream().map(TensorMeta::name).collect(Collectors.joining(", "));
    }
}
