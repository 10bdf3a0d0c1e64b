package io.tensorline.server.serving;

import io.tensorline.engine.BytesElementCheck;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Refuses, before it runs, a request whose BYTES elements the model's engine would change on the way in (see
 * {@link BytesElementCheck}), so that every BYTES element either reaches the model byte for byte or the client is
 * told why not. Stateless.
 */
final class BytesInputs {

    private BytesInputs() {
    }

    /** @param inputs validated inputs: BYTES data splits exactly into length-prefixed elements */
    static void check(String model, List<Tensor> inputs, BytesElementCheck check) {
        if (check == BytesElementCheck.ANY) {
            return;
        }
        for (Tensor t : inputs) {
            if (t.dataType() != DataType.BYTES) {
                continue;
            }
            ByteBuffer data = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int pos = data.position();
            int limit = data.limit();
            for (int index = 0; pos < limit; index++) {
                int length = data.getInt(pos);
                ByteBuffer element = data.duplicate().limit(pos + 4 + length).position(pos + 4);
                String problem = check.problem(element);
                if (problem != null) {
                    throw InferenceException.invalid("input '%s' for model '%s': BYTES element %d cannot reach the "
                            + "model unchanged: %s", t.name(), model, index, problem);
                }
                pos += 4 + length;
            }
        }
    }
}
