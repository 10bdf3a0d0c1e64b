package io.tensorline.server.config;

import io.tensorline.engine.Shapes;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelTensorReshape;

import java.util.ArrayList;
import java.util.List;

/** Completes {@code max_batch_size}, {@code input} and {@code output} from what the loaded model declares. */
final class ModelIoCompleter {

    private ModelIoCompleter() {
    }

    static ModelConfig complete(ModelConfig config, boolean maxBatchSizeGiven, List<TensorSpec> modelInputs,
                                List<TensorSpec> modelOutputs, int defaultMaxBatchSize) {
        int mbs = config.getMaxBatchSize();
        if (!maxBatchSizeGiven) {
            mbs = batchable(modelInputs, modelOutputs) && !configOmitsBatchDim(config, modelInputs, modelOutputs)
                    ? defaultMaxBatchSize : 0;
        }
        ModelConfig.Builder b = config.toBuilder().setMaxBatchSize(mbs);
        boolean stripBatchDim = mbs > 0;
        if (b.getInputCount() == 0) {
            for (TensorSpec t : modelInputs) {
                ModelInput.Builder in = ModelInput.newBuilder().setName(t.name()).setDataType(toProto(t));
                long[] dims = stripBatchDim ? Shapes.dropFirst(t.shape()) : t.shape();
                if (dims.length == 0) {
                    in.addDims(1).setReshape(ModelTensorReshape.getDefaultInstance());
                } else {
                    for (long d : dims) {
                        in.addDims(d);
                    }
                }
                b.addInput(in);
            }
        }
        if (b.getOutputCount() == 0) {
            for (TensorSpec t : modelOutputs) {
                ModelOutput.Builder out = ModelOutput.newBuilder().setName(t.name()).setDataType(toProto(t));
                long[] dims = stripBatchDim ? Shapes.dropFirst(t.shape()) : t.shape();
                if (dims.length == 0) {
                    out.addDims(1).setReshape(ModelTensorReshape.getDefaultInstance());
                } else {
                    for (long d : dims) {
                        out.addDims(d);
                    }
                }
                b.addOutput(out);
            }
        }
        return b.build();
    }

    /** A model can batch when every input and output has a variable first dimension. */
    private static boolean batchable(List<TensorSpec> inputs, List<TensorSpec> outputs) {
        if (inputs.isEmpty() && outputs.isEmpty()) {
            return false;
        }
        List<TensorSpec> all = new ArrayList<>(inputs);
        all.addAll(outputs);
        for (TensorSpec t : all) {
            long[] shape = t.shape();
            if (shape.length == 0 || shape[0] != -1) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when a tensor listed in the config already spells out the model's full rank: the user wrote the batch
     * dimension into {@code dims}, so the model is served without an implicit one.
     */
    private static boolean configOmitsBatchDim(ModelConfig config, List<TensorSpec> modelInputs,
                                               List<TensorSpec> modelOutputs) {
        for (ModelInput in : config.getInputList()) {
            int rank = in.hasReshape() ? in.getReshape().getShapeCount() : in.getDimsCount();
            if (hasRank(modelInputs, in.getName(), rank)) {
                return true;
            }
        }
        for (ModelOutput out : config.getOutputList()) {
            int rank = out.hasReshape() ? out.getReshape().getShapeCount() : out.getDimsCount();
            if (hasRank(modelOutputs, out.getName(), rank)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasRank(List<TensorSpec> specs, String name, int rank) {
        for (TensorSpec t : specs) {
            if (t.name().equals(name)) {
                return t.shape().length == rank;
            }
        }
        return false;
    }

    private static DataType toProto(TensorSpec t) {
        return DataType.forNumber(t.dataType().configNumber()); // BYTES is 13, TYPE_STRING
    }
}
