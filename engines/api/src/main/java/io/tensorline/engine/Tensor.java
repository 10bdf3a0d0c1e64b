package io.tensorline.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor with its data in the protocol's raw layout: row-major, little-endian, no padding; for
 * {@link DataType#BYTES} each element is a 4-byte little-endian length followed by its bytes.
 *
 * <p>The buffer is shared, not copied: the data spans {@code data.position()} to {@code data.limit()} and callers
 * that read it use {@link #data()}, which returns an independent view.
 */
public final class Tensor {

    private final String name;
    private final DataType dataType;
    private final long[] shape;
    private final ByteBuffer data;

    private Tensor(String name, DataType dataType, long[] shape, ByteBuffer data) {
        this.name = Objects.requireNonNull(name, "name");
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.data = Objects.requireNonNull(data, "data").slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Wraps {@code data} (from its position to its limit). For fixed-size types the byte count must equal
     * element count times element size.
     */
    public static Tensor of(String name, DataType dataType, long[] shape, ByteBuffer data) {
        Tensor t = new Tensor(name, dataType, shape, data);
        if (dataType.isFixedSize()) {
            long elements = Shapes.elementCount(shape);
            // a wrapped product could match a short buffer: refuse sizes that do not fit 64 bits
            long expected = elements > Long.MAX_VALUE / dataType.byteSize() ? -1 : elements * dataType.byteSize();
            if (expected != t.data.remaining()) {
                throw new IllegalArgumentException("tensor '" + name + "': " + t.data.remaining()
                        + " bytes of data for " + dataType + " shape " + Shapes.toString(shape)
                        + " (expected: " + expected + ")");
            }
        }
        return t;
    }

    public String name() {
        return name;
    }

    public DataType dataType() {
        return dataType;
    }

    /** The shape; callers must not modify the returned array. */
    public long[] shape() {
        return shape;
    }

    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    /** A fresh little-endian view of the data, positioned at 0. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int byteSize() {
        return data.remaining();
    }

    /** The same data under another name. */
    public Tensor rename(String newName) {
        return new Tensor(newName, dataType, shape, data);
    }

    @Override
    public String toString() {
        return name + ":" + dataType + Arrays.toString(shape);
    }
}
