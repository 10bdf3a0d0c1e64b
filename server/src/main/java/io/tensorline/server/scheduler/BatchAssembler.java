package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lays the rows of a batch's requests out contiguously, one buffer per input, copying each request's data once.
 * The buffers are direct, grow as needed and are reused by the next batch, so an instance allocates nothing per
 * batch once warm. One per instance, confined to its thread.
 *
 * <p>Requests of one batch have the same inputs with the same non-batch dimensions (the batcher only mixes equal
 * {@link ShapeKey}s), so concatenating their bytes is concatenating along the batch dimension; for BYTES inputs the
 * length-prefixed elements concatenate the same way.
 */
final class BatchAssembler {

    private ByteBuffer[] buffers = new ByteBuffer[0];

    /**
     * The batch's inputs, each of first dimension {@code rows}. They are views on this assembler's buffers, valid
     * until the next call.
     */
    List<Tensor> assemble(List<PendingRequest> requests, int rows) {
        List<Tensor> first = requests.get(0).request.inputs();
        int inputs = first.size();
        if (buffers.length < inputs) {
            buffers = Arrays.copyOf(buffers, inputs);
        }
        List<Tensor> out = new ArrayList<>(inputs);
        for (int i = 0; i < inputs; i++) {
            long total = 0;
            for (PendingRequest r : requests) {
                total += r.request.inputs().get(i).byteSize();
            }
            if (total > Integer.MAX_VALUE) {
                throw InferenceException.internal("batch input '%s' needs %d bytes (expected: at most %d)",
                        first.get(i).name(), total, Integer.MAX_VALUE);
            }
            ByteBuffer buffer = buffer(i, (int) total);
            for (PendingRequest r : requests) {
                buffer.put(r.request.inputs().get(i).data());
            }
            buffer.flip();
            Tensor model = first.get(i);
            long[] shape = model.shape().clone();
            shape[0] = rows;
            out.add(Tensor.of(model.name(), model.dataType(), shape, buffer));
        }
        return out;
    }

    private ByteBuffer buffer(int index, int size) {
        ByteBuffer b = buffers[index];
        if (b == null || b.capacity() < size) {
            int capacity = b == null ? size : (int) Math.min(Integer.MAX_VALUE, Math.max(size, 2L * b.capacity()));
            b = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
            buffers[index] = b;
        }
        b.clear();
        return b;
    }
}
