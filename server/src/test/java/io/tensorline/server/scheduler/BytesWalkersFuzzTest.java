package io.tensorline.server.scheduler;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tensorline.engine.BytesElements;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.RequestValidator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzz target: the three walkers over BYTES raw data (4-byte little-endian length, then the bytes) must agree on
 * any bytes: the validator's count, the engines' split ({@link BytesElements}) and the batcher's output split
 * ({@link OutputSplitter}) accept exactly the same data, and none throws anything but its own error.
 */
class BytesWalkersFuzzTest {

    @FuzzTest(maxDuration = "4s")
    void walkersAgree(FuzzedDataProvider data) throws Exception {
        int rows = data.consumeInt(1, 8);
        byte[] raw = data.consumeRemainingAsBytes();
        Tensor t = Tensor.of("OUTPUT0", DataType.BYTES, new long[] {rows}, ByteBuffer.wrap(raw));
        // as the validator counts them: over the tensor's little-endian view (BYTES lengths are little-endian)
        long counted = RequestValidator.countStrings(t.data());

        boolean splits;
        try {
            byte[][] elements = BytesElements.split(t);
            splits = true;
            long total = 0;
            for (byte[] e : elements) {
                total += 4 + e.length;
            }
            assertEquals(raw.length, total);
        } catch (EngineException e) {
            splits = false;
        }
        assertEquals(counted == rows, splits, "countStrings " + counted + " for " + rows + " rows");

        List<PendingRequest> requests = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            requests.add(new PendingRequest(new InferenceRequest("m", "", "", Map.of(), List.of(), List.of(), 0), 1,
                    new CompletableFuture<>(), 0));
        }
        boolean outputSplits;
        try {
            OutputSplitter.split(List.of(t), requests, rows);
            outputSplits = true;
        } catch (InferenceException e) {
            outputSplits = false;
        }
        assertEquals(splits, outputSplits, "BytesElements and OutputSplitter disagree");
    }
}
