package io.tensorline.batch;

import io.tensorline.proto.ModelMetadataResponse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The model's inputs as a batch job sees them: per input its datatype, the shape of one row (the batch dimension
 * stripped) and the column(s) of the input file it is read from.
 *
 * @param maxBatchSize the model's {@code max_batch_size}; 0 means the model takes no batch dimension
 */
record ModelInputs(String model, List<Slot> slots, int maxBatchSize) {

    /**
     * One input.
     *
     * @param columns the source columns: one column holding all of the row's elements, or one column per element
     */
    record Slot(String name, String datatype, long[] rowShape, int elementsPerRow, List<String> columns) {
        int elementSize() {
            return switch (datatype) {
                case "BOOL", "INT8", "UINT8" -> 1;
                case "INT16", "UINT16", "FP16" -> 2;
                case "INT32", "UINT32", "FP32" -> 4;
                case "INT64", "UINT64", "FP64" -> 8;
                default -> 0;
            };
        }
    }

    /**
     * @param mapping input name to column names ({@code --map INPUT0=a,b,c,d}); unmapped inputs read the column of
     *                their own name
     */
    static ModelInputs of(ModelMetadataResponse meta, int maxBatchSize, Map<String, List<String>> mapping) {
        List<Slot> slots = new ArrayList<>();
        for (ModelMetadataResponse.TensorMetadata t : meta.getInputsList()) {
            long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
            long[] row = maxBatchSize > 0 ? Arrays.copyOfRange(shape, 1, shape.length) : shape;
            long n = 1;
            for (long d : row) {
                if (d < 0) {
                    throw new IllegalArgumentException("input '" + t.getName() + "' has the variable shape "
                            + Arrays.toString(row) + " (expected: fixed dimensions, so every row has the same size)");
                }
                n *= d;
            }
            String dt = t.getDatatype();
            if (dt.equals("BF16")) {
                throw new IllegalArgumentException("input '" + t.getName() + "' is BF16, which batch files cannot "
                        + "give (expected: FP16, FP32, FP64, integers, BOOL or BYTES)");
            }
            List<String> columns = mapping.getOrDefault(t.getName(), List.of(t.getName()));
            if (columns.size() > 1 && columns.size() != n) {
                throw new IllegalArgumentException("--map " + t.getName() + " names " + columns.size()
                        + " columns for " + n + " elements per row (expected: one column, or one per element)");
            }
            slots.add(new Slot(t.getName(), dt, row, (int) n, List.copyOf(columns)));
        }
        for (String mapped : mapping.keySet()) {
            if (slots.stream().noneMatch(s -> s.name().equals(mapped))) {
                throw new IllegalArgumentException("--map names input '" + mapped + "', which model '"
                        + meta.getName() + "' does not have (inputs: "
                        + slots.stream().map(Slot::name).toList() + ")");
            }
        }
        return new ModelInputs(meta.getName(), List.copyOf(slots), maxBatchSize);
    }
}
