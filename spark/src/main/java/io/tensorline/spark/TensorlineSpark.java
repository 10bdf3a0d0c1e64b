package io.tensorline.spark;

import io.tensorline.Tensorline;
import io.tensorline.proto.ModelMetadataResponse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores a DataFrame on Tensorline: every executor JVM runs one embedded server per model repository
 * ({@link ExecutorServers}: loaded once, reused by all partitions and tasks there), each partition goes through it
 * in batches of up to the model's {@code max_batch_size} rows, and the result is the input with one column per
 * requested output appended.
 *
 * <p>The i-th input column feeds the model's i-th input (the order of its metadata); the i-th output column gets
 * the model's i-th output. An input cell is a number, or an array (nested arrays flattened row-major), or a
 * string / binary for BYTES; an output cell is an array of that row's elements (FP32/FP16 as float, FP64 as double,
 * narrower integers as int, INT64/UINT32/UINT64 as long, BOOL as boolean, BYTES as UTF-8 strings). The repository
 * path must be readable at the same path on the driver (which reads the model's metadata) and on every executor.
 */
public final class TensorlineSpark {

    private TensorlineSpark() {
    }

    /** {@code df} with the model's outputs appended, batches of up to {@code max_batch_size} rows, latest version. */
    public static Dataset<Row> predict(Dataset<Row> df, String repository, String model, List<String> inputColumns,
                                       List<String> outputColumns) {
        return predict(df, repository, model, "", inputColumns, outputColumns, 0);
    }

    /**
     * As {@link #predict(Dataset, String, String, List, List)}, for a model {@code version} ("" for the server's
     * policy) and with at most {@code batchRows} rows a request (0: the model's {@code max_batch_size}).
     */
    public static Dataset<Row> predict(Dataset<Row> df, String repository, String model, String version,
                                       List<String> inputColumns, List<String> outputColumns, int batchRows) {
        Tensorline server = ExecutorServers.forModel(repository, model);
        ModelMetadataResponse meta = server.modelMetadata(model, version);
        int maxBatch = server.modelConfig(model, version).getMaxBatchSize();
        if (inputColumns.size() != meta.getInputsCount()) {
            throw new IllegalArgumentException("model '" + model + "' takes " + meta.getInputsCount() + " inputs "
                    + names(meta.getInputsList()) + ", got " + inputColumns.size() + " input columns " + inputColumns);
        }
        if (outputColumns.isEmpty() || outputColumns.size() > meta.getOutputsCount()) {
            throw new IllegalArgumentException("model '" + model + "' has " + meta.getOutputsCount() + " outputs "
                    + names(meta.getOutputsList()) + ", got " + outputColumns.size() + " output columns "
                    + outputColumns + " (expected: 1 to " + meta.getOutputsCount() + ")");
        }
        if (batchRows < 0 || maxBatch > 0 && batchRows > maxBatch) {
            throw new IllegalArgumentException("batch rows " + batchRows + " (expected: 0 to the model's max_batch_size "
                    + maxBatch + ")");
        }
        StructType in = df.schema();
        List<PartitionScorer.Input> inputs = new ArrayList<>();
        for (int i = 0; i < inputColumns.size(); i++) {
            ModelMetadataResponse.TensorMetadata t = meta.getInputs(i);
            int column = Arrays.asList(in.fieldNames()).indexOf(inputColumns.get(i));
            if (column < 0) {
                throw new IllegalArgumentException("no column '" + inputColumns.get(i) + "' (columns: "
                        + String.join(", ", in.fieldNames()) + ")");
            }
            long[] dims = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
            if (maxBatch > 0) {
                dims = Arrays.copyOfRange(dims, 1, dims.length);   // the leading batch dim
            }
            inputs.add(new PartitionScorer.Input(t.getName(), t.getDatatype(), dims, column, inputColumns.get(i)));
        }
        StructType out = in;
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < outputColumns.size(); i++) {
            ModelMetadataResponse.TensorMetadata t = meta.getOutputs(i);
            if (Arrays.asList(out.fieldNames()).contains(outputColumns.get(i))) {
                throw new IllegalArgumentException("output column '" + outputColumns.get(i) + "' is already a column");
            }
            outputs.add(t.getName());
            out = out.add(outputColumns.get(i),
                    DataTypes.createArrayType(TensorColumns.elementType(t.getDatatype()), false), false);
        }
        int rows = maxBatch == 0 ? 1 : batchRows == 0 ? maxBatch : batchRows;
        PartitionScorer scorer = new PartitionScorer(repository, model, version, inputs, outputs, rows, maxBatch > 0);
        return df.mapPartitions(scorer, Encoders.row(out));
    }

    private static List<String> names(List<ModelMetadataResponse.TensorMetadata> tensors) {
        return tensors.stream().map(ModelMetadataResponse.TensorMetadata::getName).toList();
    }
}
