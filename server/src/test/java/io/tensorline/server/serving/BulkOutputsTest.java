package io.tensorline.server.serving;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.InstanceGroupSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.VersionPolicy;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one response of a joined bulk: the parts' outputs end to end, in part order, checked before any runs. */
class BulkOutputsTest {

    private static ModelSpec spec(int maxBatchSize) {
        IoSpec in = new IoSpec("INPUT0", DataType.FP32, new long[] {2}, null, false);
        IoSpec a = new IoSpec("A", DataType.FP32, new long[] {2}, null, false);
        IoSpec b = new IoSpec("B", DataType.INT32, new long[] {1}, null, false);
        return new ModelSpec("m", "simulated", "simulated", maxBatchSize, List.of(in), List.of(a, b),
                List.of(new InstanceGroupSpec("m_0", 1, InstanceGroupSpec.Kind.CPU, List.of())),
                null, new VersionPolicy.Latest(1), "model.simulated", Map.of());
    }

    private static InferenceRequest request(String id, List<String> outputs) {
        return new InferenceRequest("m", "", id, Map.of(), List.of(), outputs, 0);
    }

    /** Part {@code p} of {@code rows} rows: A = [p*100 + 2r, p*100 + 2r + 1] per row r, B = [p*100 + r]. */
    private static List<Tensor> part(int p, int rows, boolean bFirst) {
        ByteBuffer a = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = ByteBuffer.allocate(rows * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            a.putFloat(p * 100 + 2 * r).putFloat(p * 100 + 2 * r + 1);
            b.putInt(p * 100 + r);
        }
        Tensor ta = Tensor.of("A", DataType.FP32, new long[] {rows, 2}, a.flip());
        Tensor tb = Tensor.of("B", DataType.INT32, new long[] {rows, 1}, b.flip());
        return bFirst ? List.of(tb, ta) : List.of(ta, tb);
    }

    @Test
    void thePartsOutputsLieEndToEndInPartOrderWhateverOrderTheEngineGaveThem() {
        InferenceResponse r = BulkOutputs.joined(spec(4), "1", request("x", List.of()),
                List.of(part(0, 2, false), part(1, 1, true), part(2, 3, false)));
        assertEquals("x", r.id());
        assertEquals("1", r.modelVersion());
        assertEquals(List.of("A", "B"), r.outputs().stream().map(Tensor::name).toList());
        Tensor a = r.outputs().get(0);
        assertArrayEquals(new long[] {6, 2}, a.shape());
        ByteBuffer d = a.data();
        for (float w : new float[] {0, 1, 2, 3, 100, 101, 200, 201, 202, 203, 204, 205}) {
            assertEquals(w, d.getFloat());
        }
        Tensor b = r.outputs().get(1);
        assertArrayEquals(new long[] {6, 1}, b.shape());
        ByteBuffer db = b.data();
        for (int w : new int[] {0, 1, 100, 200, 201, 202}) {
            assertEquals(w, db.getInt());
        }
    }

    @Test
    void onlyTheRequestedOutputsInTheirOrder() {
        InferenceResponse r = BulkOutputs.joined(spec(4), "1", request("x", List.of("B")),
                List.of(part(0, 2, false), part(1, 2, false)));
        assertEquals(List.of("B"), r.outputs().stream().map(Tensor::name).toList());
        assertArrayEquals(new long[] {4, 1}, r.outputs().get(0).shape());
    }

    @Test
    void partsWhoseRowsDifferCannotBeJoined() {
        Tensor wide = Tensor.of("A", DataType.FP32, new long[] {1, 3}, ByteBuffer.allocate(12));
        List<Tensor> odd = List.of(wide, part(1, 1, false).get(1));
        InferenceException e = assertThrows(InferenceException.class, () -> BulkOutputs.joined(spec(4), "1",
                request("x", List.of()), List.of(part(0, 2, false), odd)));
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertEquals("model 'm' output 'A' is FP32 [1, 3] in bulk part 1 but FP32 [2, 2] in part 0: parts cannot be "
                + "joined", e.getMessage());
    }

    @Test
    void aJoinedBulkNeedsABatchingModelAndTheSameOutputsInEveryPart() {
        InferenceException noBatch = assertThrows(InferenceException.class,
                () -> BulkOutputs.checkJoinable(spec(0), List.of(request("a", List.of()))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, noBatch.code());
        assertEquals("model 'm' does not batch (max_batch_size 0): a joined bulk lays its parts' outputs along the "
                + "batch dimension", noBatch.getMessage());
        InferenceException outputs = assertThrows(InferenceException.class, () -> BulkOutputs.checkJoinable(spec(4),
                List.of(request("a", List.of("A")), request("b", List.of("A")), request("c", List.of("B")))));
        assertEquals("bulk request 2 asks for outputs [B] (expected: the first one's, [A])", outputs.getMessage());
        BulkOutputs.checkJoinable(spec(4), List.of(request("a", List.of("A")), request("b", List.of("A"))));
    }
}
