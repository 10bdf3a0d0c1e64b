package io.tensorline.server.scheduler.sequence;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.SequenceBatchingSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.stats.ComposingTimes;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one batch of sequence requests on an instance thread: stacks the requests' rows, adds the control tensors
 * ({@code [B, 1]}, or {@code [1]} for a model that does not batch) and the implicit states, executes, splits the
 * outputs back per request, keeps each request's next state, and answers the requests. Stateless apart from its
 * final fields, so every instance thread shares one.
 */
final class SequenceRunner {

    private final String model;
    private final SequenceBatchingSpec spec;
    private final boolean batches;
    private final ModelStats stats;
    private final NanoClock clock;
    private final List<Tensor> initialStates;

    SequenceRunner(String model, SequenceBatchingSpec spec, boolean batches, ModelStats stats, NanoClock clock) {
        this.model = model;
        this.spec = spec;
        this.batches = batches;
        this.stats = stats;
        this.clock = clock;
        List<Tensor> initial = new ArrayList<>();
        for (SequenceBatchingSpec.State s : spec.states()) {
            long[] shape = batches ? Shapes.prepend(1, s.dims()) : s.dims();
            initial.add(Tensor.of(s.inputName(), s.dataType(), shape, ByteBuffer.wrap(s.initialData())));
        }
        this.initialStates = List.copyOf(initial);
    }

    void run(LoadedModel instance, List<SequenceRequest> batch) {
        long start = clock.nanoTime();
        for (SequenceRequest r : batch) {
            stats.recordQueue(start - r.arrivalNanos);
        }
        try {
            List<Tensor> inputs = assemble(batch);
            long assembled = clock.nanoTime();
            List<Tensor> outputs = instance.execute(inputs);
            long executed = clock.nanoTime();
            List<List<Tensor>> rows = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                List<Tensor> row = row(outputs, i, batch.size());
                batch.get(i).stateOut = nextState(row);
                rows.add(row);
            }
            long split = clock.nanoTime();
            stats.recordExecution(batch.size(), batch.size(), assembled - start, executed - assembled,
                    split - executed);
            for (SequenceRequest r : batch) {
                ComposingTimes steps = ComposingTimes.in(r.request.parameters()); // an ensemble's step
                if (steps != null) {
                    steps.add(start - r.arrivalNanos, assembled - start, executed - assembled, split - executed);
                }
            }
            for (int i = 0; i < batch.size(); i++) {
                SequenceRequest r = batch.get(i);
                boolean ours = r.reply.complete(rows.get(i));
                long elapsed = clock.nanoTime() - r.arrivalNanos;
                if (ours) {
                    stats.recordSuccess(elapsed);
                } else {
                    stats.recordFailure(FailureReason.CANCELED, elapsed);
                }
            }
        } catch (EngineException e) {
            failAll(batch, InferenceException.internal("%s", e.getMessage()));
        } catch (RuntimeException | Error e) {
            failAll(batch, InferenceException.internal("model '%s' failed: %s", model,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    void fail(SequenceRequest r, InferenceException error, FailureReason reason) {
        r.stateOut = null;
        boolean ours = r.reply.completeExceptionally(error);
        stats.recordFailure(ours ? reason : FailureReason.CANCELED, clock.nanoTime() - r.arrivalNanos);
    }

    private void failAll(List<SequenceRequest> batch, InferenceException error) {
        for (SequenceRequest r : batch) {
            fail(r, error, FailureReason.BACKEND);
        }
    }

    private List<Tensor> assemble(List<SequenceRequest> batch) {
        int n = batch.size();
        List<Tensor> first = batch.get(0).request.inputs();
        List<Tensor> inputs = new ArrayList<>(first.size() + spec.controls().size() + spec.states().size());
        for (int j = 0; j < first.size(); j++) {
            List<Tensor> column = new ArrayList<>(n);
            for (SequenceRequest r : batch) {
                column.add(r.request.inputs().get(j));
            }
            inputs.add(stack(column));
        }
        for (SequenceBatchingSpec.Control c : spec.controls()) {
            inputs.add(control(c, batch));
        }
        for (int k = 0; k < spec.states().size(); k++) {
            List<Tensor> column = new ArrayList<>(n);
            for (SequenceRequest r : batch) {
                column.add(r.stateIn == null ? initialStates.get(k) : r.stateIn.get(k));
            }
            inputs.add(stack(column));
        }
        return inputs;
    }

    /** Rows of one tensor per request, stacked along the batch dimension (one request: the tensor itself). */
    private static Tensor stack(List<Tensor> rows) {
        Tensor first = rows.get(0);
        if (rows.size() == 1) {
            return first;
        }
        int bytes = 0;
        long batch = 0;
        for (Tensor t : rows) {
            bytes += t.byteSize();
            batch += t.shape()[0];
        }
        ByteBuffer data = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : rows) {
            data.put(t.data());
        }
        long[] shape = first.shape().clone();
        shape[0] = batch;
        return Tensor.of(first.name(), first.dataType(), shape, data.flip());
    }

    private Tensor control(SequenceBatchingSpec.Control c, List<SequenceRequest> batch) {
        int n = batch.size();
        long[] shape = batches ? new long[] {n, 1} : new long[] {1};
        DataType type = c.dataType();
        if (type == DataType.BYTES) {
            List<byte[]> ids = new ArrayList<>(n);
            int total = 0;
            for (SequenceRequest r : batch) {
                byte[] b = r.id.toString().getBytes(StandardCharsets.UTF_8);
                ids.add(b);
                total += 4 + b.length;
            }
            ByteBuffer data = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            ids.forEach(b -> data.putInt(b.length).put(b));
            return Tensor.of(c.inputName(), type, shape, data.flip());
        }
        ByteBuffer data = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (SequenceRequest r : batch) {
            double value = switch (c.kind()) {
                case START -> r.start ? c.trueValue() : c.falseValue();
                case END -> r.end ? c.trueValue() : c.falseValue();
                case READY -> c.trueValue(); // only requests that are ready are batched
                case CORRID -> 0;
            };
            switch (type) {
                case INT32 -> data.putInt(c.kind() == SequenceBatchingSpec.Kind.CORRID ? (int) r.id.number()
                        : (int) value);
                case UINT32 -> data.putInt((int) r.id.number());
                case INT64, UINT64 -> data.putLong(r.id.number());
                case FP32 -> data.putFloat((float) value);
                case BOOL -> data.put((byte) (value != 0 ? 1 : 0));
                default -> throw new IllegalStateException("control '" + c.inputName() + "' of type " + type);
            }
        }
        return Tensor.of(c.inputName(), type, shape, data.flip());
    }

    /** Request {@code i}'s share of every output. */
    private List<Tensor> row(List<Tensor> outputs, int i, int n) {
        if (n == 1) {
            return outputs;
        }
        List<Tensor> row = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) {
            long[] shape = t.shape();
            if (shape.length == 0 || shape[0] != n) {
                throw InferenceException.internal("model '%s' returned output '%s' with shape %s for a batch of %d "
                        + "(expected: first dimension %d)", model, t.name(), Shapes.toString(shape), n, n);
            }
            long[] rowShape = shape.clone();
            rowShape[0] = 1;
            row.add(Tensor.of(t.name(), t.dataType(), rowShape, slice(t, i, n)));
        }
        return row;
    }

    private static ByteBuffer slice(Tensor t, int i, int n) {
        ByteBuffer data = t.data();
        if (t.dataType().isFixedSize()) {
            int rowBytes = t.byteSize() / n;
            return data.position(i * rowBytes).limit((i + 1) * rowBytes).slice();
        }
        long perRow = t.elementCount() / n;
        int pos = 0;
        int from = 0;
        for (long e = 0; e < perRow * (i + 1); e++) {
            if (e == perRow * i) {
                from = pos;
            }
            pos += 4 + data.getInt(pos);
        }
        return data.position(from).limit(pos).slice();
    }

    /** A copy of the state outputs, renamed to the state inputs they feed next time. */
    private List<Tensor> nextState(List<Tensor> row) {
        if (spec.states().isEmpty()) {
            return null;
        }
        List<Tensor> next = new ArrayList<>(spec.states().size());
        for (SequenceBatchingSpec.State s : spec.states()) {
            Tensor out = find(row, s.outputName());
            ByteBuffer copy = ByteBuffer.allocate(out.byteSize()).put(out.data()).flip();
            next.add(Tensor.of(s.inputName(), out.dataType(), out.shape(), copy));
        }
        return next;
    }

    private Tensor find(List<Tensor> outputs, String name) {
        for (Tensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw InferenceException.internal("model '%s' produced no state output '%s'", model, name);
    }
}
