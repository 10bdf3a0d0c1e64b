package io.tensorline.server.core;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The classification extension: an output turned into its top {@code k} entries per batch item, as BYTES
 * {@code "<value>:<index>"} or {@code "<value>:<index>:<label>"}, values printed as C++ {@code std::to_string}
 * prints them (Triton's format: {@code 3.300000} for floats, integers plainly). Stateless.
 */
public final class Classification {

    /** Triton's limit on the elements of one classified output. */
    static final long MAX_ELEMENTS = 1_000_000;

    private Classification() {
    }

    /**
     * @param output  the model's output, batch dimension first when {@code batches}
     * @param k       classes wanted per batch item (> 0); fewer come back when an item has fewer elements
     * @param labels  labels by class index (may be empty)
     * @param batches whether the first dimension is the batch
     */
    public static Tensor classify(Tensor output, int k, List<String> labels, boolean batches) {
        DataType type = output.dataType();
        if (!supported(type)) {
            throw InferenceException.invalid("class result not available for output due to unsupported type '%s' "
                    + "(output '%s'; expected: an integer, FP32 or FP64 output)", type.wireName(), output.name());
        }
        long[] shape = output.shape();
        long total = Shapes.elementCount(shape);
        if (total > MAX_ELEMENTS) {
            throw InferenceException.invalid("classification output tensor too large (output '%s' has %d elements; "
                    + "the limit is %d)", output.name(), total, MAX_ELEMENTS);
        }
        boolean batched = batches && shape.length > 1;
        int items = batched ? (int) shape[0] : 1;
        int perItem = items == 0 ? 0 : (int) (total / items);
        int top = Math.min(k, perItem);
        ByteBuffer data = output.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = data.position();
        byte[][] entries = new byte[items * top][];
        int n = 0;
        for (int item = 0; item < items; item++) {
            Integer[] order = new Integer[perItem];
            double[] keys = new double[perItem];
            int first = item * perItem;
            for (int i = 0; i < perItem; i++) {
                order[i] = i;
                keys[i] = sortKey(type, data, base, first + i);
            }
            Arrays.sort(order, (a, b) -> Double.compare(keys[b], keys[a]));
            for (int j = 0; j < top; j++) {
                int index = order[j];
                String text = value(type, data, base, first + index) + ":" + index
                        + (index < labels.size() ? ":" + labels.get(index) : "");
                entries[n++] = text.getBytes(StandardCharsets.UTF_8);
            }
        }
        long[] resultShape = batched ? new long[] {items, top} : new long[] {top};
        return Tensor.of(output.name(), DataType.BYTES, resultShape, pack(entries));
    }

    /** Whether Triton classifies outputs of this type. */
    public static boolean supported(DataType type) {
        return switch (type) {
            case UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP32, FP64 -> true;
            default -> false;
        };
    }

    private static double sortKey(DataType type, ByteBuffer d, int base, int i) {
        return switch (type) {
            case UINT64 -> {
                long v = d.getLong(base + i * 8);
                yield v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            case INT64 -> d.getLong(base + i * 8);
            case FP32 -> d.getFloat(base + i * 4);
            case FP64 -> d.getDouble(base + i * 8);
            case UINT8 -> Byte.toUnsignedInt(d.get(base + i));
            case INT8 -> d.get(base + i);
            case UINT16 -> Short.toUnsignedInt(d.getShort(base + i * 2));
            case INT16 -> d.getShort(base + i * 2);
            case UINT32 -> Integer.toUnsignedLong(d.getInt(base + i * 4));
            case INT32 -> d.getInt(base + i * 4);
            default -> throw new IllegalStateException(type.name());
        };
    }

    private static String value(DataType type, ByteBuffer d, int base, int i) {
        return switch (type) {
            case UINT8 -> Integer.toString(Byte.toUnsignedInt(d.get(base + i)));
            case INT8 -> Byte.toString(d.get(base + i));
            case UINT16 -> Integer.toString(Short.toUnsignedInt(d.getShort(base + i * 2)));
            case INT16 -> Short.toString(d.getShort(base + i * 2));
            case UINT32 -> Integer.toUnsignedString(d.getInt(base + i * 4));
            case INT32 -> Integer.toString(d.getInt(base + i * 4));
            case UINT64 -> Long.toUnsignedString(d.getLong(base + i * 8));
            case INT64 -> Long.toString(d.getLong(base + i * 8));
            case FP32 -> String.format(Locale.ROOT, "%f", (double) d.getFloat(base + i * 4));
            case FP64 -> String.format(Locale.ROOT, "%f", d.getDouble(base + i * 8));
            default -> throw new IllegalStateException(type.name());
        };
    }

    private static ByteBuffer pack(byte[][] entries) {
        int size = 0;
        for (byte[] e : entries) {
            size += 4 + e.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] e : entries) {
            out.putInt(e.length).put(e);
        }
        return out.flip();
    }
}
