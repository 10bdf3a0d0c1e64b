package io.tensorline.perf.input;

import io.tensorline.client.InferRequest;
import io.tensorline.client.InferTensor;

import java.nio.ByteBuffer;
import java.util.List;

/** The inputs of one request, in the model's input order. Requests cycle through the input sets. */
public record InputSet(List<TensorData> tensors) {

    public InputSet {
        tensors = List.copyOf(tensors);
    }

    public long byteSize() {
        return tensors.stream().mapToLong(t -> t.raw().length).sum();
    }

    /** The client's request for these inputs (wrapping the raw bytes, not copying them), for the client to encode. */
    public InferRequest request(String model, String version) {
        InferRequest.Builder b = InferRequest.builder(model).version(version);
        for (TensorData t : tensors) {
            b.input(InferTensor.of(t.name(), t.datatype(), ByteBuffer.wrap(t.raw()), t.shape()));
        }
        return b.build();
    }
}
