package io.tensorline.server.serving;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one response of a joined bulk ({@link InferenceServer#inferBulkJoined}): per output, the parts' engine
 * outputs copied end to end into one buffer, in the order of the parts, with the batch dimension summed. Built once
 * per bulk on the instance thread that ran it, instead of a response (and a client result) per part.
 */
final class BulkOutputs {

    private BulkOutputs() {
    }

    /** Before any part runs: the model batches and every request asks for the first one's outputs. */
    static void checkJoinable(ModelSpec spec, List<InferenceRequest> requests) {
        if (!spec.batches()) {
            throw InferenceException.invalid("model '%s' does not batch (max_batch_size 0): a joined bulk lays its "
                    + "parts' outputs along the batch dimension", spec.name());
        }
        List<String> wanted = requests.get(0).requestedOutputs();
        for (int i = 1; i < requests.size(); i++) {
            if (!requests.get(i).requestedOutputs().equals(wanted)) {
                throw InferenceException.invalid("bulk request %d asks for outputs %s (expected: the first one's, %s)",
                        i, requests.get(i).requestedOutputs(), wanted);
            }
        }
    }

    static InferenceResponse joined(ModelSpec spec, String version, InferenceRequest first, List<List<Tensor>> parts) {
        List<String> wanted = first.requestedOutputs();
        List<IoSpec> ios = new ArrayList<>();
        if (wanted.isEmpty()) {
            ios.addAll(spec.outputs());
        } else {
            for (String name : wanted) {
                ios.add(spec.output(name));
            }
        }
        List<Tensor> joined = new ArrayList<>(ios.size());
        Tensor[] each = new Tensor[parts.size()];
        for (IoSpec io : ios) {
            long rows = 0;
            int bytes = 0;
            Tensor head = null;
            for (int p = 0; p < each.length; p++) {
                Tensor t = InferenceServer.find(parts.get(p), io.name(), spec);
                long[] shape = t.shape();
                if (shape.length == 0) {
                    throw InferenceException.internal("model '%s' output '%s' has no batch dimension",
                            spec.name(), io.name());
                }
                if (head == null) {
                    head = t;
                } else if (t.dataType() != head.dataType() || !sameRowShape(shape, head.shape())) {
                    throw InferenceException.internal("model '%s' output '%s' is %s %s in bulk part %d but %s %s in "
                            + "part 0: parts cannot be joined", spec.name(), io.name(), t.dataType().wireName(),
                            Arrays.toString(shape), p, head.dataType().wireName(), Arrays.toString(head.shape()));
                }
                each[p] = t;
                rows += shape[0];
                bytes = Math.addExact(bytes, t.byteSize());
            }
            ByteBuffer data = ByteBuffer.allocate(bytes);
            for (Tensor t : each) {
                data.put(t.data());
            }
            data.flip();
            long[] shape = head.shape().clone();
            shape[0] = rows;
            joined.add(InferenceServer.toApi(spec, io, Tensor.of(io.name(), head.dataType(), shape, data)));
        }
        return new InferenceResponse(spec.name(), version, first.id(), joined);
    }

    private static boolean sameRowShape(long[] a, long[] b) {
        return Arrays.equals(a, 1, a.length, b, 1, b.length);
    }
}
