package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.ExecutionTally;
import io.tensorline.server.stats.FailureReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One request of many rows ({@link Scheduler#submitSplit}) that one instance runs in parts of at most
 * {@code partRows} rows, back to back, each an execution of its own on a view of the request's tensors (no copy),
 * and answers once: each output holds the rows of all parts end to end, copied part by part into one buffer per
 * output. For offline jobs that hand the server a thousand rows at a time.
 *
 * <p>Each part counts as a request and an execution, as if it had been sent alone: the instance gathers the
 * counts in its {@link ExecutionTally} and adds them once per bulk. An engine error in one part fails the whole
 * with that error, after the other parts ran (each counted as it went). Cancelling the reply drops the parts not
 * yet run, and every part then counts as cancelled (as in {@link Bulk}). Fixed-size datatypes only: every input
 * and output has a batch dimension and rows of one byte size.
 */
final class SplitBulk implements BulkWork {

    private static final Logger LOG = LoggerFactory.getLogger(SplitBulk.class);

    private final InferenceRequest request;
    private final int rows;
    private final int partRows;
    /** Per input: the whole data, the bytes of one row, and the shape of a full part. */
    private final ByteBuffer[] data;
    private final int[] rowBytes;
    private final long[][] fullPartShape;
    final CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();

    /**
     * @param request  inputs validated and shaped for the engine, each with {@code rows} rows
     * @param partRows the most rows per execution (at most the model's {@code max_batch_size})
     */
    SplitBulk(InferenceRequest request, int rows, int partRows) {
        if (rows < 1 || partRows < 1) {
            throw new IllegalArgumentException("rows " + rows + ", partRows " + partRows + " (expected: both >= 1)");
        }
        this.request = request;
        this.rows = rows;
        this.partRows = partRows;
        List<Tensor> inputs = request.inputs();
        this.data = new ByteBuffer[inputs.size()];
        this.rowBytes = new int[inputs.size()];
        this.fullPartShape = new long[inputs.size()][];
        for (int i = 0; i < data.length; i++) {
            Tensor t = inputs.get(i);
            long[] shape = t.shape();
            if (!t.dataType().isFixedSize() || shape.length == 0 || shape[0] != rows || t.byteSize() % rows != 0) {
                throw new IllegalArgumentException("input '" + t.name() + "' is " + t.dataType() + " "
                        + Arrays.toString(shape) + " (expected: a fixed-size datatype with " + rows + " rows)");
            }
            data[i] = t.data();
            rowBytes[i] = t.byteSize() / rows;
            fullPartShape[i] = shape.clone();
            fullPartShape[i][0] = Math.min(partRows, rows);
        }
    }

    @Override
    public List<PendingRequest> parts() {
        return List.of();
    }

    @Override
    public int rows() {
        return rows;
    }

    int partCount() {
        return (rows + partRows - 1) / partRows;
    }

    @Override
    public void failAll(Completer completer, InferenceException error, FailureReason reason) {
        completer.countFailures(partCount(), request.arrivalNanos(), reply.isDone() ? FailureReason.CANCELED : reason);
        reply.completeExceptionally(error);
    }

    /** The inputs of the part of {@code count} rows from row {@code at}: views of the request's buffers. */
    private List<Tensor> part(int at, int count) {
        List<Tensor> inputs = request.inputs();
        Tensor[] out = new Tensor[data.length];
        for (int i = 0; i < out.length; i++) {
            long[] shape = fullPartShape[i];
            if (count != shape[0]) {
                shape = shape.clone();
                shape[0] = count;
            }
            Tensor whole = inputs.get(i);
            out[i] = Tensor.of(whole.name(), whole.dataType(), shape,
                    data[i].slice(at * rowBytes[i], count * rowBytes[i]));
        }
        return Arrays.asList(out);
    }

    /** The parts as requests of their own (for a scheduler without a split path of its own). */
    private List<InferenceRequest> partRequests() {
        List<InferenceRequest> out = new ArrayList<>(partCount());
        for (int at = 0; at < rows; at += partRows) {
            out.add(request.withInputs(part(at, Math.min(partRows, rows - at))));
        }
        return out;
    }

    /**
     * On the instance thread: runs every part on {@code executor}, then reports the instance free ({@code free}),
     * then counts the parts and answers.
     */
    void run(BatchExecutor executor, Completer completer, Runnable free) {
        NanoClock clock = executor.clock();
        ExecutionTally tally = executor.tally();
        long arrival = request.arrivalNanos();
        Joiner joined = new Joiner(rows, executor.modelName());
        int parts = partCount();
        int ran = 0;
        int succeeded = 0;
        int backend = 0;
        int other = 0;
        InferenceException first = null;
        try {
            long t = clock.nanoTime();
            for (int p = 0; p < parts && !reply.isDone(); p++) {
                int at = p * partRows;
                int count = Math.min(partRows, rows - at);
                long start = t;
                tally.queue(start - arrival);
                ran++;
                List<Tensor> outputs;
                long assembled;
                try {
                    List<Tensor> inputs = part(at, count);
                    assembled = clock.nanoTime();
                    outputs = executor.engine(inputs);
                } catch (InferenceException e) {
                    backend++;
                    first = first == null ? e : first;
                    t = clock.nanoTime();
                    continue;
                }
                long executed = clock.nanoTime();
                try {
                    joined.add(p, at, count, outputs);
                } catch (RuntimeException e) {
                    other++;
                    first = first == null ? InferenceException.from(e) : first;
                    t = clock.nanoTime();
                    continue;
                }
                t = clock.nanoTime();
                tally.execution(count, assembled - start, executed - assembled, t - executed);
                succeeded++;
            }
        } catch (RuntimeException | Error e) {
            // a bug rather than an engine failure: keep the instance serving, fail what is left
            LOG.error("{} failed to run a split bulk", Thread.currentThread().getName(), e);
            other += parts - succeeded - backend - other;
            ran = parts;
            first = first == null ? InferenceException.from(e) : first;
        } finally {
            tally.commit();
            free.run();
        }
        if (reply.isDone()) { // cancelled: every part counts as cancelled, run or not
            completer.countFailures(parts, arrival, FailureReason.CANCELED);
            return;
        }
        // counted before the reply completes, so that whoever joins it sees the statistics
        completer.countSuccesses(succeeded, arrival);
        completer.countFailures(backend, arrival, FailureReason.BACKEND);
        completer.countFailures(other + parts - ran, arrival, FailureReason.OTHER);
        if (first != null) {
            reply.completeExceptionally(first);
            return;
        }
        try {
            reply.complete(joined.result());
        } catch (RuntimeException e) {
            reply.completeExceptionally(InferenceException.from(e));
        }
    }

    /** The split path for schedulers without one of their own: the parts as a bulk of requests, joined after. */
    static CompletableFuture<List<Tensor>> viaBulk(Scheduler scheduler, InferenceRequest request, int rows,
                                                   int partRows) {
        SplitBulk split = new SplitBulk(request, rows, partRows);
        List<InferenceRequest> requests = split.partRequests();
        int[] sizes = new int[requests.size()];
        for (int p = 0; p < sizes.length; p++) {
            sizes[p] = Math.min(partRows, rows - p * partRows);
        }
        CompletableFuture<List<List<Tensor>>> all = scheduler.submitBulk(requests, sizes);
        all.whenComplete((outputs, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                split.reply.completeExceptionally(cause instanceof CancellationException
                        ? new InferenceException(ErrorCode.CANCELLED, "request cancelled by the client") : cause);
                return;
            }
            try {
                Joiner joined = new Joiner(rows, "'" + request.modelName() + "'");
                for (int p = 0; p < outputs.size(); p++) {
                    joined.add(p, p * partRows, sizes[p], outputs.get(p));
                }
                split.reply.complete(joined.result());
            } catch (RuntimeException x) {
                split.reply.completeExceptionally(InferenceException.from(x));
            }
        });
        split.reply.whenComplete((r, e) -> {
            if (split.reply.isCancelled()) {
                all.cancel(false);
            }
        });
        return split.reply;
    }

    @Override
    public String toString() {
        return "split bulk of " + rows + " rows in parts of " + partRows;
    }

    /** Each output's rows of all parts end to end, one buffer per output, filled as parts come (any order). */
    static final class Joiner {

        private final int rows;
        private final String model;
        private Tensor[] head;
        private int headPart;
        private int[] rowBytes;
        private ByteBuffer[] buffers;

        /** @param model the model as messages name it, e.g. {@code 'mlp' version 1} */
        Joiner(int rows, String model) {
            this.rows = rows;
            this.model = model;
        }

        /** The outputs of part {@code part}, {@code count} rows from row {@code at}. */
        void add(int part, int at, int count, List<Tensor> outputs) {
            if (buffers == null) {
                start(part, count, outputs);
            }
            if (outputs.size() != head.length) {
                throw InferenceException.internal("model %s gave %d outputs in bulk part %d but %d in part %d: parts "
                        + "cannot be joined", model, outputs.size(), part, head.length, headPart);
            }
            for (int i = 0; i < head.length; i++) {
                Tensor t = outputs.get(i);
                Tensor h = head[i];
                long[] shape = t.shape();
                if (!t.name().equals(h.name()) || t.dataType() != h.dataType() || shape.length != h.shape().length
                        || !Arrays.equals(shape, 1, shape.length, h.shape(), 1, shape.length)) {
                    throw InferenceException.internal("model %s output '%s' is %s %s in bulk part %d but '%s' %s %s in "
                            + "part %d: parts cannot be joined", model, t.name(), t.dataType().wireName(),
                            Arrays.toString(shape), part, h.name(), h.dataType().wireName(),
                            Arrays.toString(h.shape()), headPart);
                }
                if (shape[0] != count || t.byteSize() != count * rowBytes[i]) {
                    throw InferenceException.internal("model %s output '%s' has %d rows in bulk part %d of %d rows: "
                            + "parts cannot be joined", model, t.name(), shape[0], part, count);
                }
                buffers[i].put(at * rowBytes[i], t.data(), 0, t.byteSize());
            }
        }

        private void start(int part, int count, List<Tensor> outputs) {
            head = outputs.toArray(Tensor[]::new);
            headPart = part;
            rowBytes = new int[head.length];
            buffers = new ByteBuffer[head.length];
            for (int i = 0; i < head.length; i++) {
                Tensor t = head[i];
                if (!t.dataType().isFixedSize() || t.shape().length == 0 || t.shape()[0] != count) {
                    throw InferenceException.internal("model %s output '%s' is %s %s for a part of %d rows (expected: "
                            + "a fixed-size output with a row per input row, to join the parts)", model, t.name(),
                            t.dataType().wireName(), Arrays.toString(t.shape()), count);
                }
                rowBytes[i] = t.byteSize() / count;
                buffers[i] = ByteBuffer.allocate(Math.multiplyExact(rowBytes[i], rows));
            }
        }

        /** Every part's rows, once all were added. */
        List<Tensor> result() {
            if (buffers == null) {
                throw InferenceException.internal("model %s: no part of the bulk gave outputs", model);
            }
            List<Tensor> out = new ArrayList<>(head.length);
            for (int i = 0; i < head.length; i++) {
                long[] shape = head[i].shape().clone();
                shape[0] = rows;
                out.add(Tensor.of(head[i].name(), head[i].dataType(), shape, buffers[i]));
            }
            return out;
        }
    }
}
