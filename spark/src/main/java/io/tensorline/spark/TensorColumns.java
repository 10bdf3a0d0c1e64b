package io.tensorline.spark;

import io.tensorline.client.InferTensor;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cells of DataFrame columns to input tensors and output tensors back to cells. An input cell is a number (or a
 * string / binary for BYTES), or an array of them, nested arrays flattened row-major; an output cell is always an
 * array of the tensor's elements for that row, flattened row-major.
 */
final class TensorColumns {

    private TensorColumns() {
    }

    /** The Spark element type an output of this protocol datatype is returned as. */
    static DataType elementType(String datatype) {
        return switch (datatype) {
            case "FP32", "FP16", "BF16" -> DataTypes.FloatType;
            case "FP64" -> DataTypes.DoubleType;
            case "INT8", "INT16", "INT32", "UINT8", "UINT16" -> DataTypes.IntegerType;
            case "INT64", "UINT32", "UINT64" -> DataTypes.LongType;
            case "BOOL" -> DataTypes.BooleanType;
            case "BYTES" -> DataTypes.StringType;
            default -> throw new IllegalArgumentException("unsupported datatype " + datatype);
        };
    }

    /** The elements of one cell, flattened. */
    static void flatten(Object cell, List<Object> out) {
        if (cell instanceof scala.collection.Seq<?> seq) {
            scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(e -> flatten(e, out));
        } else if (cell instanceof List<?> list) {
            list.forEach(e -> flatten(e, out));
        } else if (cell == null) {
            throw new IllegalArgumentException("null element");
        } else {
            out.add(cell);
        }
    }

    /** One batch of rows' cells of column {@code column} as the input tensor {@code name}. */
    static InferTensor input(String name, String datatype, long[] itemDims, List<Row> rows, int column,
                             String columnName) {
        List<Object> values = new ArrayList<>();
        int perRow = -1;
        for (Row row : rows) {
            if (row.isNullAt(column)) {
                throw new IllegalArgumentException("column '" + columnName + "' is null in row " + row);
            }
            int before = values.size();
            try {
                flatten(row.get(column), values);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("column '" + columnName + "' holds a null element in row " + row, e);
            }
            int n = values.size() - before;
            if (perRow >= 0 && n != perRow) {
                throw new IllegalArgumentException("column '" + columnName + "': rows of one batch hold " + perRow
                        + " and " + n + " elements (input '" + name + "' needs the same count in every row)");
            }
            perRow = n;
        }
        long[] dims = itemShape(name, itemDims, perRow, columnName);
        long[] shape = new long[dims.length + 1];
        shape[0] = rows.size();
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return encode(name, datatype, values, shape, columnName);
    }

    /** The per-row dims of an input, a single variable dim (-1) taken from the row's element count. */
    private static long[] itemShape(String name, long[] dims, int elements, String columnName) {
        long known = 1;
        int variable = -1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                if (variable >= 0) {
                    throw new IllegalArgumentException("input '" + name + "' has shape " + Arrays.toString(dims)
                            + ": more than one variable dim cannot be read from a flat column");
                }
                variable = i;
            } else {
                known *= dims[i];
            }
        }
        long[] shape = dims.clone();
        if (variable >= 0 && known > 0 && elements % known == 0) {
            shape[variable] = elements / known;
            known = elements;
        }
        if (known != elements) {
            throw new IllegalArgumentException("column '" + columnName + "' holds " + elements
                    + " elements per row, input '" + name + "' takes shape " + Arrays.toString(dims));
        }
        return shape;
    }

    private static InferTensor encode(String name, String datatype, List<Object> values, long[] shape,
                                      String columnName) {
        int n = values.size();
        try {
            switch (datatype) {
                case "FP32", "FP16" -> {
                    float[] a = new float[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = ((Number) values.get(i)).floatValue();
                    }
                    return datatype.equals("FP32") ? InferTensor.fp32(name, a, shape) : InferTensor.fp16(name, a, shape);
                }
                case "FP64" -> {
                    double[] a = new double[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = ((Number) values.get(i)).doubleValue();
                    }
                    return InferTensor.fp64(name, a, shape);
                }
                case "INT32" -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = ((Number) values.get(i)).intValue();
                    }
                    return InferTensor.int32(name, a, shape);
                }
                case "INT64" -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = ((Number) values.get(i)).longValue();
                    }
                    return InferTensor.int64(name, a, shape);
                }
                case "INT8", "UINT8" -> {
                    byte[] a = new byte[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = ((Number) values.get(i)).byteValue();
                    }
                    return InferTensor.int8(name, datatype, a, shape);
                }
                case "INT16", "UINT16", "UINT32", "UINT64" -> {
                    int size = datatype.endsWith("16") ? 2 : datatype.endsWith("32") ? 4 : 8;
                    ByteBuffer b = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
                    for (Object v : values) {
                        long x = ((Number) v).longValue();
                        switch (size) {
                            case 2 -> b.putShort((short) x);
                            case 4 -> b.putInt((int) x);
                            default -> b.putLong(x);
                        }
                    }
                    return InferTensor.of(name, datatype, b.flip(), shape);
                }
                case "BOOL" -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Boolean) values.get(i);
                    }
                    return InferTensor.bool(name, a, shape);
                }
                case "BYTES" -> {
                    byte[][] a = new byte[n][];
                    for (int i = 0; i < n; i++) {
                        Object v = values.get(i);
                        a[i] = v instanceof byte[] raw ? raw : v.toString().getBytes(StandardCharsets.UTF_8);
                    }
                    return InferTensor.bytes(name, a, shape);
                }
                default -> throw new IllegalArgumentException("input '" + name + "': unsupported datatype " + datatype);
            }
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("column '" + columnName + "' cannot feed input '" + name + "' ("
                    + datatype + "): " + e.getMessage(), e);
        }
    }

    /** The output tensor of a batch of {@code rows} rows, cut into one cell (an array) per row. */
    static Object[] cells(InferTensor t, int rows) {
        long total = t.elementCount();
        if (rows == 0 || total % rows != 0) {
            throw new IllegalStateException("output '" + t.name() + "' has " + total + " elements for " + rows + " rows");
        }
        int per = (int) (total / rows);
        Object all = switch (elementType(t.datatype()).typeName()) {
            case "float" -> t.asFloats();
            case "double" -> t.asDoubles();
            case "integer" -> t.asInts();
            case "long" -> t.asLongs();
            case "boolean" -> t.asBooleans();
            default -> t.asStrings();
        };
        Object[] out = new Object[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = Array.newInstance(all.getClass().getComponentType(), per);
            System.arraycopy(all, r * per, out[r], 0, per);
        }
        return out;
    }
}
