package io.tensorline.perf.input;

import java.util.List;

/** The inputs of one request, in the model's input order. Requests cycle through the input sets. */
public record InputSet(List<TensorData> tensors) {

    public InputSet {
        tensors = List.copyOf(tensors);
    }

    public long byteSize() {
        return tensors.stream().mapToLong(t -> t.raw().length).sum();
    }
}
