package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Builds requests for the batcher tests: FP32 rows whose values say which request and row they belong to. */
final class TestRequests {

    private TestRequests() {
    }

    /** An FP32 input of {@code rows} x {@code cols}; element (r, c) is {@code base + r * 100 + c}. */
    static Tensor fp32(String name, int rows, int cols, float base) {
        ByteBuffer data = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                data.putFloat(base + r * 100 + c);
            }
        }
        data.flip();
        return Tensor.of(name, DataType.FP32, new long[] {rows, cols}, data);
    }

    /** A BYTES input of {@code rows} x 1 whose elements are the given strings. */
    static Tensor bytes(String name, String... values) {
        int size = 0;
        for (String v : values) {
            size += 4 + v.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer data = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            data.putInt(b.length).put(b);
        }
        data.flip();
        return Tensor.of(name, DataType.BYTES, new long[] {values.length, 1}, data);
    }

    static List<String> strings(Tensor t) {
        ByteBuffer data = t.data();
        List<String> out = new ArrayList<>();
        while (data.hasRemaining()) {
            byte[] b = new byte[data.getInt()];
            data.get(b);
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    static float[] floats(Tensor t) {
        ByteBuffer data = t.data();
        float[] out = new float[data.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.getFloat();
        }
        return out;
    }

    static InferenceRequest request(String id, List<Tensor> inputs, Map<String, Object> parameters) {
        return new InferenceRequest("m", "", id, parameters, inputs, List.of(), 0);
    }

    /** A pending request of {@code rows} x {@code cols} FP32 rows arriving at {@code arrivalNanos}. */
    static PendingRequest shaped(String id, int rows, int cols, long arrivalNanos, Object... keyValues) {
        Map<String, Object> params = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put((String) keyValues[i], keyValues[i + 1]);
        }
        InferenceRequest request = request(id, List.of(fp32("INPUT0", rows, cols, 0)), params);
        return new PendingRequest(request, rows, new CompletableFuture<>(), arrivalNanos);
    }

    static PendingRequest pending(String id, int rows, long arrivalNanos, Object... keyValues) {
        return shaped(id, rows, 4, arrivalNanos, keyValues);
    }
}
