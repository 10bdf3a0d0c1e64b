package io.tensorline.batch;

import io.tensorline.Tensorline;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferResult;
import io.tensorline.client.TensorlineClient;
import io.tensorline.client.TensorlineException;
import io.tensorline.proto.ModelMetadataResponse;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One batch job: reads rows on the calling thread into batches of up to {@code max_batch_size}, keeps at most
 * {@code in-flight} requests outstanding, and commits each chunk (in input order inside the chunk) on the
 * {@code batch-writer} thread when its last batch is answered. Works on any {@link TensorlineClient}: the embedded
 * server or a remote one. On the embedded server, batches go in bulks of about {@link #BULK_ROWS} rows: one
 * submission, run back to back on one instance, one callback; then {@code in-flight} counts bulks. A model with a
 * batch dimension and fixed-size inputs and outputs gets each bulk as one request of that many rows, read straight
 * into one buffer per input and run in parts of {@code batch} rows ({@link Tensorline#inferInParts}); others get a
 * request per batch ({@link Tensorline#inferBulkJoined}, or {@link Tensorline#inferBulk} without a batch
 * dimension).
 */
final class BatchRun {

    /** How a run ended. */
    record Outcome(long rows, long badRows, long skippedChunks, double rowsPerSecond, String failure) {
        boolean ok() {
            return failure == null;
        }
    }

    /** Rows per bulk submission on the embedded server: enough to pay the hand-offs rarely, small next to a chunk. */
    static final int BULK_ROWS = 1024;

    private final TensorlineClient client;
    /** The embedded server when that is the client (bulk submissions), else null. */
    private final Tensorline embedded;
    /** Batches read but not yet submitted on the bulk path; reader thread only. */
    private final List<BatchBuffers> bulk = new ArrayList<>();
    private int bulkBatches = 1;
    /** Whether bulks are answered joined (one result per bulk): the model batches. */
    private boolean joined;
    /**
     * Whether a bulk goes as one request run in parts of {@code batch} rows ({@link Tensorline#inferInParts}):
     * the model batches and its inputs and outputs are of fixed-size datatypes. Then each batch buffer holds a
     * whole bulk.
     */
    private boolean inParts;
    private int batch;
    private final BatchOptions o;
    private final PrintStream log;
    private final AtomicReference<String> failure = new AtomicReference<>();

    BatchRun(TensorlineClient client, BatchOptions options, PrintStream log) {
        this.client = client;
        this.embedded = client instanceof Tensorline t ? t : null;
        this.o = options;
        this.log = log;
    }

    Outcome run() throws IOException, InterruptedException {
        ModelMetadataResponse meta = client.modelMetadata(o.model(), o.version());
        int mbs = client.modelConfig(o.model(), o.version()).getMaxBatchSize();
        int batch = mbs == 0 ? 1 : o.batchSize() == 0 ? mbs : o.batchSize();
        if (mbs > 0 && batch > mbs) {
            throw new IllegalArgumentException("--batch-size=" + batch + " (expected: at most model '" + o.model()
                    + "''s max_batch_size " + mbs + ")");
        }
        bulkBatches = Math.max(1, BULK_ROWS / batch);
        joined = mbs > 0;
        ModelInputs inputs = ModelInputs.of(meta, mbs, o.map());
        this.batch = batch;
        inParts = embedded != null && joined && inputs.slots().stream().allMatch(s -> s.elementSize() > 0)
                && meta.getOutputsList().stream().noneMatch(t -> t.getDatatype().equals("BYTES"));
        int bufferRows = inParts ? bulkBatches * batch : batch;
        OutputFormat format = OutputFormat.of(o.output());
        NpyOutput npy = format == OutputFormat.NPY ? NpyOutput.of(meta, mbs, o.output().toString()) : null;
        String manifest = String.format(Locale.ROOT,
                "model=%s version=%s input=%s size=%d modified=%s chunk-rows=%d batch=%d map=%s%n",
                o.model(), o.version(), o.input().toAbsolutePath().normalize(), Files.size(o.input()),
                Files.getLastModifiedTime(o.input()), o.chunkRows(), batch, o.map());
        ChunkStore store = ChunkStore.open(o.output(), manifest, o.restart());
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> new Thread(r, "batch-writer"));
        Semaphore permits = new Semaphore(o.inFlight());
        long chunks = 0;
        long skipped = 0;
        Progress progress;
        try (RowSource source = RowSource.open(o.input(), inputs)) {
            progress = new Progress(log, o.progress(), source::fraction);
            progress.start(o.progressMillis());
            long row = 0;
            boolean more = true;
            boolean started = false;
            while (more && failure.get() == null) {
                long chunk = chunks;
                if (store.done(chunk)) {
                    long n = 0;
                    while (n < o.chunkRows() && source.skip()) {
                        n++;
                    }
                    if (n == 0) {
                        break;
                    }
                    row += n;
                    chunks++;
                    skipped++;
                    more = n == o.chunkRows();
                    continue;
                }
                if (!started) {
                    progress.markStart();
                    started = true;
                }
                Chunk c = new Chunk(chunk, store, format, progress, writer);
                BatchBuffers buffers = new BatchBuffers(inputs, bufferRows);
                long end = row + o.chunkRows();
                while (row < end && failure.get() == null) {
                    int read = source instanceof NpySource fromNpy
                            ? fromNpy.nextRows(buffers, row, (int) Math.min(buffers.room(), end - row)) : -1;
                    if (read == 0) {
                        more = false;
                        break;
                    }
                    if (read > 0) {
                        row += read; // .npy rows read in bulk, straight into the batch
                    } else {
                        boolean got;
                        try {
                            got = source.next(buffers, row);
                        } catch (BadRowException e) {
                            row++;
                            progress.rowFailed();
                            if (!o.skipBadRows()) {
                                failure.compareAndSet(null, o.input() + " " + source.where() + ": " + e.getMessage()
                                        + " (pass --on-error=skip to write bad rows to " + o.errors() + " instead)");
                                break;
                            }
                            c.badRow(source.where(), source.position(), row - 1, e.getMessage());
                            continue;
                        }
                        if (!got) {
                            more = false;
                            break;
                        }
                        row++;
                    }
                    if (buffers.full()) {
                        submit(c, buffers, permits);
                        buffers = new BatchBuffers(inputs, bufferRows);
                    }
                }
                if (failure.get() != null) {
                    break;
                }
                if (buffers.rows() > 0) {
                    submit(c, buffers, permits);
                }
                flushBulk(c, permits);
                if (c.batches() == 0 && c.badRows() == 0) {
                    break; // the file ended exactly at a chunk boundary
                }
                c.seal();
                chunks++;
            }
            permits.acquire(o.inFlight()); // every request answered
            writer.shutdown();
            if (!writer.awaitTermination(1, TimeUnit.HOURS)) {
                throw new IllegalStateException("chunk writer did not finish");
            }
            progress.finish();
        } finally {
            writer.shutdownNow();
        }
        if (failure.get() != null) {
            return new Outcome(progress.rows(), progress.errors(), skipped, progress.rowsPerSecond(), failure.get()
                    + "\nfinished chunks are kept in " + store.dir() + "; rerun the same command to resume");
        }
        long bad = store.assemble(chunks, o.errors(), npy == null ? null : npy::header);
        return new Outcome(progress.rows(), bad, skipped, progress.rowsPerSecond(), null);
    }

    private void submit(Chunk c, BatchBuffers buffers, Semaphore permits) throws InterruptedException {
        if (embedded != null && !inParts) {
            bulk.add(buffers);
            if (bulk.size() == bulkBatches) {
                flushBulk(c, permits);
            }
            return;
        }
        permits.acquire();
        int slot = c.addGroup(List.of(buffers));
        // in parts: the buffer holds a whole bulk, one request, run as executions of `batch` rows each
        CompletableFuture<InferResult> answer = inParts ? embedded.inferInParts(request(buffers), batch)
                : client.inferAsync(request(buffers));
        answerInto(answer, c, slot, List.of(buffers), buffers.rows(), permits);
    }

    /** When the result comes: into the chunk's slot, or the run's failure; then the permit goes back. */
    private void answerInto(CompletableFuture<InferResult> answer, Chunk c, int slot, List<BatchBuffers> batches,
                            int rows, Semaphore permits) {
        answer.whenComplete((result, error) -> {
            try {
                if (error != null) {
                    failed(batches.get(0), batches.get(batches.size() - 1), error);
                } else {
                    c.answered(slot, rows, result);
                }
            } finally {
                permits.release();
            }
        });
    }

    /** Submits the batches gathered for a bulk, if any (they all belong to chunk {@code c}). */
    private void flushBulk(Chunk c, Semaphore permits) throws InterruptedException {
        if (bulk.isEmpty()) {
            return;
        }
        permits.acquire();
        List<BatchBuffers> batches = List.copyOf(bulk);
        bulk.clear();
        List<InferRequest> requests = new ArrayList<>(batches.size());
        int rows = 0;
        for (BatchBuffers b : batches) {
            requests.add(request(b));
            rows += b.rows();
        }
        if (!joined) { // a model without a batch dimension: one result per request
            int[] slots = new int[batches.size()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = c.addGroup(List.of(batches.get(i)));
            }
            embedded.inferBulk(requests).whenComplete((results, error) -> {
                try {
                    if (error != null) {
                        failed(batches.get(0), batches.get(batches.size() - 1), error);
                    } else {
                        for (int i = 0; i < slots.length; i++) {
                            c.answered(slots[i], batches.get(i).rows(), results.get(i));
                        }
                    }
                } finally {
                    permits.release();
                }
            });
            return;
        }
        // one result for the bulk: each output's rows of all its batches in one buffer
        answerInto(embedded.inferBulkJoined(requests), c, c.addGroup(batches), batches, rows, permits);
    }

    private InferRequest request(BatchBuffers buffers) {
        InferRequest.Builder rb = InferRequest.builder(o.model()).version(o.version());
        buffers.tensors().forEach(rb::input);
        return rb.build();
    }

    private void failed(BatchBuffers first, BatchBuffers last, Throwable error) {
        TensorlineException te = error.getCause() instanceof TensorlineException t ? t
                : error instanceof TensorlineException t ? t : null;
        failure.compareAndSet(null, "rows " + first.rowIndex(0) + ".." + last.rowIndex(last.rows() - 1)
                + " failed on the server: " + (te != null ? te.getMessage() : error.toString()));
    }

    /** One chunk's batches and bad rows; committed by the writer once sealed and fully answered. */
    private final class Chunk {
        private final long index;
        private final ChunkStore store;
        private final OutputFormat format;
        private final Progress progress;
        private final ExecutorService writer;
        /** Per slot, the batches one result answers (one, or a bulk's); appended by the reader only before seal. */
        private final List<List<BatchBuffers>> batches = new ArrayList<>();
        private final List<InferResult> results = new ArrayList<>();
        private final StringBuilder errors = new StringBuilder();
        private final AtomicInteger pending = new AtomicInteger(1); // 1 for "not sealed yet"
        private int badRows;

        Chunk(long index, ChunkStore store, OutputFormat format, Progress progress, ExecutorService writer) {
            this.index = index;
            this.store = store;
            this.format = format;
            this.progress = progress;
            this.writer = writer;
        }

        int batches() {
            return batches.size();
        }

        int badRows() {
            return badRows;
        }

        synchronized int addGroup(List<BatchBuffers> b) {
            pending.incrementAndGet();
            batches.add(b);
            results.add(null);
            return batches.size() - 1;
        }

        void badRow(String where, long position, long row, String message) {
            badRows++;
            errors.append("{\"row\":").append(row).append(",\"");
            errors.append(where.startsWith("line") ? "line" : "input_row").append("\":").append(position);
            errors.append(",\"error\":");
            OutputFormat.quote(message, errors, true);
            errors.append("}\n");
        }

        void answered(int slot, int rows, InferResult r) {
            synchronized (this) {
                results.set(slot, r);
            }
            progress.rowsDone(rows);
            if (pending.decrementAndGet() == 0) {
                writer.execute(this::commit);
            }
        }

        void seal() {
            if (pending.decrementAndGet() == 0) {
                writer.execute(this::commit);
            }
        }

        private static int rowsOf(List<BatchBuffers> group) {
            int rows = 0;
            for (BatchBuffers b : group) {
                rows += b.rows();
            }
            return rows;
        }

        private void commit() {
            // every batch of this chunk was answered: it is complete even if the run has failed elsewhere
            String header;
            byte[] rows;
            synchronized (this) {
                header = batches.isEmpty() ? "" : format.header(results.get(0), rowsOf(batches.get(0)));
                rows = format.body(results, batches);
            }
            try {
                store.commit(index, header, rows, OutputFormat.utf8(errors));
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, "cannot write chunk " + index + ": " + e);
            }
        }
    }
}
