package io.tensorline.server.http;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * The {@code Inference-Header-Content-Length: 0} form of PROTOCOL.md §2.3: the whole body is the raw data of the
 * model's only input, as batch 1, and every output comes back binary. The input may have at most one variable
 * dimension, which the body length decides; a BYTES input must have dims [1], and the body is its one element.
 */
final class RawBodyDecoder {

    private RawBodyDecoder() {
    }

    static InferRequestDecoder.Decoded decode(ModelSpec spec, String version, byte[] body, long arrivalNanos) {
        if (spec.inputs().size() != 1) {
            throw InferenceException.invalid("Inference-Header-Content-Length 0 sends the body as the only input, but "
                    + "model '%s' has %d inputs (expected: a JSON header for models with several inputs)",
                    spec.name(), spec.inputs().size());
        }
        IoSpec io = spec.inputs().get(0);
        long[] dims = io.dims();
        ByteBuffer data;
        if (io.dataType() == DataType.BYTES) {
            if (dims.length != 1 || (dims[0] != 1 && dims[0] != -1)) {
                throw notRaw(spec, io, "a BYTES input needs dims [1]");
            }
            dims = new long[] {1};
            data = ByteBuffer.allocate(4 + body.length).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).put(body)
                    .flip();
        } else {
            dims = resolve(spec, io, dims, body.length);
            data = ByteBuffer.wrap(body);
        }
        long[] shape = spec.batches() ? Shapes.prepend(1, dims) : dims;
        Tensor input = Tensor.of(io.name(), io.dataType(), shape, data);
        InferenceRequest request = new InferenceRequest(spec.name(), version, "", Map.of(), List.of(input), List.of(),
                arrivalNanos);
        return new InferRequestDecoder.Decoded(request, OutputEncoding.ALL_BINARY);
    }

    /** Fills in the one variable dimension from the body length, checking that the bytes divide evenly. */
    private static long[] resolve(ModelSpec spec, IoSpec io, long[] dims, int bodyLength) {
        int variable = -1;
        long fixedBytes = io.dataType().byteSize();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                if (variable >= 0) {
                    throw notRaw(spec, io, "at most one variable dimension");
                }
                variable = i;
            } else {
                fixedBytes *= dims[i];
            }
        }
        long[] out = dims.clone();
        if (variable >= 0 && fixedBytes > 0 && bodyLength % fixedBytes == 0) {
            out[variable] = bodyLength / fixedBytes;
        } else if (variable >= 0 || fixedBytes != bodyLength) {
            throw InferenceException.invalid("the %d-byte raw body does not fit input '%s' of model '%s' (expected: "
                    + "%s %s%s)", bodyLength, io.name(), spec.name(), variable >= 0 ? "a multiple of" : "exactly",
                    fixedBytes + " bytes for " + io.dataType() + " dims ", TensorDataReader.compact(dims));
        }
        return out;
    }

    private static InferenceException notRaw(ModelSpec spec, IoSpec io, String need) {
        return InferenceException.invalid("Inference-Header-Content-Length 0 cannot feed input '%s' of model '%s' "
                + "with dims %s (expected: %s)", io.name(), spec.name(), TensorDataReader.compact(io.dims()), need);
    }
}
