package io.tensorline.perf.model;

import java.util.Arrays;
import java.util.Objects;

/** An input or output as the model's metadata lists it: -1 marks a variable dimension. */
public record TensorMeta(String name, String datatype, long[] shape) {

    public TensorMeta {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + " " + datatype + " " + Arrays.toString(shape);
    }
}
