package io.tensorline.spark;

import io.tensorline.Tensorline;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferResult;
import io.tensorline.client.TensorlineException;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The work of one partition, shipped to the executors: rows read lazily into batches, each batch one request to
 * this JVM's embedded server, with the next batch sent while the previous one runs (two in flight), and the rows
 * given back in their order with the outputs appended.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;
    private static final int IN_FLIGHT = 2;

    /** Input {@code name} is fed from column number {@code column}; {@code dims} are its per-row dims. */
    record Input(String name, String datatype, long[] dims, int column, String columnName) implements Serializable {
    }

    private final String repository;
    private final String model;
    private final String version;
    private final List<Input> inputs;
    private final List<String> outputs;
    private final int batchRows;
    private final boolean batched;

    PartitionScorer(String repository, String model, String version, List<Input> inputs, List<String> outputs,
                    int batchRows, boolean batched) {
        this.repository = repository;
        this.model = model;
        this.version = version;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.batchRows = batchRows;
        this.batched = batched;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        Tensorline server = ExecutorServers.forModel(repository, model);
        return new Iterator<>() {
            private final Deque<Pending> pending = new ArrayDeque<>();
            private Iterator<Row> ready = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!ready.hasNext()) {
                    while (pending.size() < IN_FLIGHT && rows.hasNext()) {
                        pending.add(send(server, rows));
                    }
                    if (pending.isEmpty()) {
                        return false;
                    }
                    ready = pending.poll().join().iterator();
                }
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.next();
            }
        };
    }

    private record Pending(List<Row> rows, CompletableFuture<InferResult> result, PartitionScorer scorer) {
        List<Row> join() {
            InferResult r;
            try {
                r = result.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() instanceof TensorlineException te ? te : e;
                throw new IllegalStateException("model '" + scorer.model + "' failed on a batch of " + rows.size()
                        + " rows: " + cause.getMessage(), cause);
            }
            List<Object[]> cells = new ArrayList<>();
            for (String name : scorer.outputs) {
                cells.add(TensorColumns.cells(r.output(name), rows.size()));
            }
            List<Row> out = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                Object[] values = new Object[row.length() + cells.size()];
                for (int c = 0; c < row.length(); c++) {
                    values[c] = row.get(c);
                }
                for (int o = 0; o < cells.size(); o++) {
                    values[row.length() + o] = cells.get(o)[i];
                }
                out.add(RowFactory.create(values));
            }
            return out;
        }
    }

    private Pending send(Tensorline server, Iterator<Row> rows) {
        List<Row> batch = new ArrayList<>(batchRows);
        while (batch.size() < batchRows && rows.hasNext()) {
            batch.add(rows.next());
        }
        InferRequest.Builder request = InferRequest.builder(model).version(version);
        for (Input in : inputs) {
            var tensor = TensorColumns.input(in.name(), in.datatype(), in.dims(), batch, in.column(), in.columnName());
            if (!batched) {   // a model without a batch dim takes one row, shaped as its dims
                long[] shape = java.util.Arrays.copyOfRange(tensor.shape(), 1, tensor.shape().length);
                tensor = io.tensorline.client.InferTensor.of(tensor.name(), tensor.datatype(), tensor.data(), shape);
            }
            request.input(tensor);
        }
        outputs.forEach(request::output);
        return new Pending(batch, server.inferAsync(request.build()), this);
    }
}
