package io.tensorline.server.simulated;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One instance of a simulated model: copies each source input to its output into fresh buffers (so outputs never
 * alias the caller's inputs), and holds the calling thread until the simulated execution time has passed (the real
 * {@link Pause} is {@link ParkThenSpin}: parked, then a short spin to the deadline).
 * Used by one thread at a time, as every {@link LoadedModel}.
 */
final class SimulatedModel implements LoadedModel {

    /** Parks the caller until a {@code nanoTime} deadline. */
    @FunctionalInterface
    interface Pause {
        void until(long deadlineNanos);
    }

    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final List<String> sources;
    private final boolean batched;
    private final long delayNanos;
    private final long perRowNanos;
    private final LongSupplier clock;
    private final Pause pause;
    private volatile boolean closed;

    /**
     * @param sources for each output, the name of the input it copies
     * @param batched whether the first dimension is the batch dimension (max_batch_size > 0)
     */
    SimulatedModel(List<TensorSpec> inputs, List<TensorSpec> outputs, List<String> sources, boolean batched,
                   long delayNanos, long perRowNanos, LongSupplier clock, Pause pause) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.sources = List.copyOf(sources);
        this.batched = batched;
        this.delayNanos = delayNanos;
        this.perRowNanos = perRowNanos;
        this.clock = clock;
        this.pause = pause;
    }

    @Override
    public List<TensorSpec> inputs() {
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    @Override
    public List<Tensor> execute(List<Tensor> given) throws EngineException {
        long start = clock.getAsLong();
        if (closed) {
            throw new EngineException("simulated model is closed");
        }
        List<Tensor> result = new ArrayList<>(outputs.size());
        long rows = 1;
        for (int i = 0; i < outputs.size(); i++) {
            Tensor in = find(given, sources.get(i));
            if (batched) {
                rows = in.shape().length == 0 ? 1 : in.shape()[0];
            }
            ByteBuffer copy = ByteBuffer.allocate(in.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(in.data()).flip();
            result.add(Tensor.of(outputs.get(i).name(), in.dataType(), in.shape().clone(), copy));
        }
        pause.until(start + delayNanos + rows * perRowNanos);
        return result;
    }

    @Override
    public void close() {
        closed = true;
    }

    private static Tensor find(List<Tensor> given, String name) throws EngineException {
        for (Tensor t : given) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new EngineException("simulated model: input '" + name + "' is missing (expected it, since an output "
                + "copies it)");
    }
}
