package io.tensorline.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor's name, type and shape as a model declares it; {@code -1} marks a variable dimension. Engines report
 * the model's own full shapes (including any batch dimension).
 */
public record TensorSpec(String name, DataType dataType, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && dataType == t.dataType
                && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dataType, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + dataType + Arrays.toString(shape);
    }
}
