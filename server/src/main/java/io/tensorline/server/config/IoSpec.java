package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;

import java.util.Arrays;
import java.util.Objects;

/**
 * An input or output of a model as the API sees it.
 *
 * @param dims     dimensions without the implicit batch dimension; -1 is variable
 * @param reshape  the shape handed to the engine instead of {@code dims} (batch dimension excluded), or null
 * @param optional whether a request may leave this input out
 */
public record IoSpec(String name, DataType dataType, long[] dims, long[] reshape, boolean optional) {

    public IoSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        dims = dims.clone();
        reshape = reshape == null ? null : reshape.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    @Override
    public long[] reshape() {
        return reshape == null ? null : reshape.clone();
    }

    /** The full API shape: {@code [-1] + dims} when the model batches, else {@code dims}. */
    public long[] fullShape(int maxBatchSize) {
        return maxBatchSize > 0 ? Shapes.prepend(-1, dims) : dims.clone();
    }

    /** True when {@code shape} (without the batch dimension) fits {@code dims}. */
    public boolean acceptsShape(long[] shapeWithoutBatch) {
        return Shapes.matches(dims, shapeWithoutBatch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IoSpec s && name.equals(s.name) && dataType == s.dataType && Arrays.equals(dims, s.dims)
                && Arrays.equals(reshape, s.reshape) && optional == s.optional;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dataType, Arrays.hashCode(dims), Arrays.hashCode(reshape), optional);
    }

    @Override
    public String toString() {
        return name + ":" + dataType + Arrays.toString(dims);
    }
}
