package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands each request of a batch its rows of every output. Each output is copied once out of the engine's buffer,
 * then sliced by row ranges without further copies: the engine's output may alias memory that the next execution
 * overwrites (its own reused buffers, or our reused input buffers when it passes an input through), while responses
 * are read later on other threads. Outputs whose first dimension is not the batch's rows are not batched; every
 * request gets the whole (copied) tensor. BYTES outputs are split by walking their length prefixes.
 */
final class OutputSplitter {

    private OutputSplitter() {
    }

    /** Stores each request's outputs in it, in the engine's output order. */
    static void split(List<Tensor> outputs, List<PendingRequest> requests, int rows) {
        List<List<Tensor>> perRequest = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            perRequest.add(new ArrayList<>(outputs.size()));
        }
        for (Tensor out : outputs) {
            ByteBuffer copy = copyOf(out.data());
            long[] shape = out.shape();
            if (shape.length == 0 || shape[0] != rows) {
                Tensor whole = Tensor.of(out.name(), out.dataType(), shape, copy);
                perRequest.forEach(list -> list.add(whole));
            } else if (out.dataType().isFixedSize()) {
                splitFixed(out, copy, requests, rows, perRequest);
            } else {
                splitBytes(out, copy, requests, rows, perRequest);
            }
        }
        for (int i = 0; i < requests.size(); i++) {
            requests.get(i).succeed(perRequest.get(i));
        }
    }

    private static void splitFixed(Tensor out, ByteBuffer data, List<PendingRequest> requests, int rows,
                                   List<List<Tensor>> perRequest) {
        int bytesPerRow = data.remaining() / rows;
        int start = 0;
        for (int i = 0; i < requests.size(); i++) {
            int n = requests.get(i).rows;
            int end = start + n * bytesPerRow;
            perRequest.get(i).add(Tensor.of(out.name(), out.dataType(), rowsShape(out, n), view(data, start, end)));
            start = end;
        }
    }

    private static void splitBytes(Tensor out, ByteBuffer data, List<PendingRequest> requests, int rows,
                                   List<List<Tensor>> perRequest) {
        long elements = out.elementCount();
        if (elements % rows != 0) {
            throw InferenceException.internal("output '%s' has %d elements for %d rows (expected: a multiple)",
                    out.name(), elements, rows);
        }
        long perRow = elements / rows;
        int pos = 0;
        int limit = data.limit();
        for (int i = 0; i < requests.size(); i++) {
            int n = requests.get(i).rows;
            int start = pos;
            for (long e = 0; e < n * perRow; e++) {
                if (limit - pos < 4) {
                    throw malformed(out);
                }
                long length = Integer.toUnsignedLong(data.getInt(pos));
                if (length > limit - pos - 4) {
                    throw malformed(out);
                }
                pos += 4 + (int) length;
            }
            perRequest.get(i).add(Tensor.of(out.name(), DataType.BYTES, rowsShape(out, n), view(data, start, pos)));
        }
        if (pos != limit) {
            // bytes after the last element: the lengths do not describe this output (found by BytesWalkersFuzzTest)
            throw malformed(out);
        }
    }

    private static InferenceException malformed(Tensor out) {
        return InferenceException.internal("output '%s' holds malformed BYTES data (expected: %d length-prefixed "
                + "elements)", out.name(), out.elementCount());
    }

    private static long[] rowsShape(Tensor out, int rows) {
        long[] shape = out.shape().clone();
        shape[0] = rows;
        return shape;
    }

    private static ByteBuffer view(ByteBuffer data, int start, int end) {
        return data.duplicate().position(start).limit(end).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer copyOf(ByteBuffer source) {
        ByteBuffer copy = ByteBuffer.allocate(source.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(source);
        copy.flip();
        return copy;
    }
}
