package io.tensorline.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.core.SharedMemoryParameters;
import io.tensorline.server.shm.SharedMemoryUse;
import io.tensorline.server.core.TensorSizes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@link ModelInferRequest} into {@link InferenceRequest} and {@link InferenceResponse} into
 * {@link ModelInferResponse}. Raw contents are wrapped, not copied; typed contents are packed into the raw layout.
 */
public final class GrpcInferCodec {

    private GrpcInferCodec() {
    }

    /** Decodes a request that names no shared memory region (one that does is answered NOT_FOUND). */
    public static InferenceRequest decode(ModelInferRequest request, long arrivalNanos) {
        return decode(request, arrivalNanos, null);
    }

    /**
     * Decodes a request whose parameters {@link GrpcTensorParameters#check} has checked; inputs in shared memory
     * wrap their region's mapped bytes (and take no {@code raw_input_contents} entry).
     *
     * @param shm the request's regions, or null when none may be named
     */
    static InferenceRequest decode(ModelInferRequest request, long arrivalNanos, SharedMemoryUse shm) {
        if (request.getModelName().isEmpty()) {
            throw InferenceException.invalid("model_name is empty (expected: the name of a model)");
        }
        int rawCount = request.getRawInputContentsCount();
        int inputCount = request.getInputsCount();
        List<Tensor> inputs = new ArrayList<>(inputCount);
        int rawIndex = 0;
        for (int i = 0; i < inputCount; i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            DataType type = dataType(in.getName(), in.getDatatype());
            long[] shape = shape(in);
            ByteBuffer data;
            SharedMemoryParameters.Reference ref = in.getParametersCount() == 0 ? null
                    : SharedMemoryParameters.parse(in.getName(), GrpcTensorParameters.values(in.getParametersMap()),
                            true);
            if (ref != null) {
                if (shm == null) {
                    throw InferenceException.notFound("Unable to find shared memory region: '%s'", ref.region());
                }
                data = shm.input(ref);
            } else if (in.hasContents()) {
                if (rawCount > 0) {
                    throw ErrorTexts.contentsWithRaw(in.getName(), request.getModelName());
                }
                data = TypedContents.pack(in.getName(), type, shape, in.getContents());
            } else {
                if (rawIndex >= rawCount) {
                    throw ErrorTexts.noInputData(in.getName(), request.getModelName(), String.format(
                            "(expected: raw_input_contents entry %d, or typed contents; the request has %d "
                                    + "raw_input_contents for %d inputs)", rawIndex, rawCount, inputCount));
                }
                data = request.getRawInputContents(rawIndex++).asReadOnlyByteBuffer();
            }
            inputs.add(tensor(request, in.getName(), type, shape, data));
        }
        if (rawIndex != rawCount) {
            throw InferenceException.invalid(
                    "request has %d raw_input_contents but %d inputs take raw data (expected: one entry per input, in order)",
                    rawCount, rawIndex);
        }
        List<String> outputs;
        if (request.getOutputsCount() == 0) {
            outputs = List.of();
        } else {
            String[] names = new String[request.getOutputsCount()];
            for (int i = 0; i < names.length; i++) {
                names[i] = request.getOutputs(i).getName();
            }
            outputs = Arrays.asList(names);
        }
        return new InferenceRequest(request.getModelName(), request.getModelVersion(), request.getId(),
                parameters(request.getParametersMap()), inputs, outputs, arrivalNanos);
    }

    public static ModelInferResponse encode(InferenceResponse response) {
        return encode(response, null);
    }

    /**
     * Encodes a response; an output written to shared memory ({@code shm} holds it) has name, datatype and shape,
     * and an empty {@code raw_output_contents} entry at its index, as Triton answers.
     */
    static ModelInferResponse encode(InferenceResponse response, SharedMemoryUse shm) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                .setModelName(response.modelName())
                .setModelVersion(response.modelVersion())
                .setId(response.id());
        List<Tensor> outputs = response.outputs();
        for (int i = 0; i < outputs.size(); i++) {
            Tensor t = outputs.get(i);
            // a built message per output rather than addOutputsBuilder(): the nested-builder route allocates a
            // RepeatedFieldBuilder with its lists and a parent hook per output; the bytes on the wire are the same
            ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(t.name())
                    .setDatatype(t.dataType().wireName());
            for (long d : t.shape()) {
                o.addShape(d);
            }
            b.addOutputs(o.build());
            b.addRawOutputContents(shm != null && shm.holdsOutput(t.name()) ? ByteString.EMPTY : wrap(t.data()));
        }
        return b.build();
    }

    private static ByteString wrap(ByteBuffer data) {
        return data.hasRemaining() ? UnsafeByteOperations.unsafeWrap(data) : ByteString.EMPTY;
    }

    private static Tensor tensor(ModelInferRequest request, String name, DataType type, long[] shape,
                                 ByteBuffer data) {
        if (type.isFixedSize()) {
            long expected = TensorSizes.byteCount(name, type, shape);
            if (expected != data.remaining()) {
                throw ErrorTexts.byteSizeMismatch(request.getId(), name, request.getModelName(), expected,
                        data.remaining());
            }
        }
        return Tensor.of(name, type, shape, data.order(ByteOrder.LITTLE_ENDIAN));
    }

    static DataType dataType(String input, String name) {
        DataType type = DataType.fromWireName(name);
        if (type == null) {
            throw InferenceException.invalid("input '%s' has unknown datatype '%s' (expected one of: %s)",
                    input, name, Arrays.toString(DataType.values()));
        }
        return type;
    }

    private static long[] shape(ModelInferRequest.InferInputTensor in) {
        long[] shape = new long[in.getShapeCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = in.getShape(i);
            if (d < 0) {
                throw InferenceException.invalid("input '%s' has shape %s (expected: no negative dimensions)",
                        in.getName(), in.getShapeList());
            }
            shape[i] = d;
        }
        return shape;
    }

    private static Map<String, Object> parameters(Map<String, InferParameter> params) {
        if (params.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new HashMap<>(params.size() * 2);
        params.forEach((k, v) -> {
            switch (v.getParameterChoiceCase()) {
                case BOOL_PARAM -> out.put(k, v.getBoolParam());
                case INT64_PARAM -> out.put(k, v.getInt64Param());
                case STRING_PARAM -> out.put(k, v.getStringParam());
                case DOUBLE_PARAM -> out.put(k, v.getDoubleParam());
                case UINT64_PARAM -> {
                    if (k.equals("sequence_id")) { // Triton's rule: a correlation id is int64 or string on gRPC
                        throw InferenceException.invalid("invalid value type for 'sequence_id' parameter, expected "
                                + "int64_param or string_param.");
                    }
                    out.put(k, v.getUint64Param());
                }
                default -> {
                }
            }
        });
        return out;
    }

    /** Visible for the codec's tests: typed contents of one input, packed. */
    static ByteBuffer packTyped(String name, DataType type, long[] shape, InferTensorContents contents) {
        return TypedContents.pack(name, type, shape, contents);
    }
}
