package io.tensorline.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link InferRequest} to {@code ModelInferRequest} (inputs as raw contents) and back from the response. */
final class GrpcCodec {

    private GrpcCodec() {
    }

    static ModelInferRequest encode(InferRequest r) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(r.model())
                .setModelVersion(r.version()).setId(r.id());
        r.parameters().forEach((k, v) -> b.putParameters(k, parameter(v)));
        for (InferTensor t : r.inputs()) {
            ModelInferRequest.InferInputTensor.Builder in = b.addInputsBuilder().setName(t.name())
                    .setDatatype(t.datatype());
            for (long d : t.shape()) {
                in.addShape(d);
            }
            // wraps the tensor's (immutable) bytes without copying; protobuf copies once while serialising
            b.addRawInputContents(UnsafeByteOperations.unsafeWrap(t.data()));
        }
        for (InferRequest.RequestedOutput o : r.outputs()) {
            b.addOutputsBuilder().setName(o.name());
        }
        return b.build();
    }

    static InferResult decode(ModelInferResponse r) {
        List<InferTensor> outputs = new ArrayList<>(r.getOutputsCount());
        for (int i = 0; i < r.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor o = r.getOutputs(i);
            long[] shape = o.getShapeList().stream().mapToLong(Long::longValue).toArray();
            ByteBuffer data = i < r.getRawOutputContentsCount()
                    ? r.getRawOutputContents(i).asReadOnlyByteBuffer()
                    : fromContents(o.getDatatype(), o.getContents());
            outputs.add(InferTensor.of(o.getName(), o.getDatatype(), data, shape));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        r.getParametersMap().forEach((k, v) -> params.put(k, value(v)));
        return new InferResult(r.getModelName(), r.getModelVersion(), r.getId(), params, outputs);
    }

    static InferParameter parameter(Object v) {
        InferParameter.Builder p = InferParameter.newBuilder();
        if (v instanceof Boolean bool) {
            p.setBoolParam(bool);
        } else if (v instanceof Long l) {
            p.setInt64Param(l);
        } else if (v instanceof Double d) {
            p.setDoubleParam(d);
        } else {
            p.setStringParam((String) v);
        }
        return p.build();
    }

    static Object value(InferParameter p) {
        return switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> p.getBoolParam();
            case INT64_PARAM -> p.getInt64Param();
            case UINT64_PARAM -> p.getUint64Param();
            case DOUBLE_PARAM -> p.getDoubleParam();
            case STRING_PARAM -> p.getStringParam();
            case PARAMETERCHOICE_NOT_SET -> "";
        };
    }

    /** Typed contents (servers that do not send raw outputs) in the raw layout. */
    private static ByteBuffer fromContents(String datatype, InferTensorContents c) {
        ByteBuffer out = switch (datatype) {
            case "FP32" -> {
                ByteBuffer b = alloc(c.getFp32ContentsCount() * 4);
                c.getFp32ContentsList().forEach(b::putFloat);
                yield b;
            }
            case "FP64" -> {
                ByteBuffer b = alloc(c.getFp64ContentsCount() * 8);
                c.getFp64ContentsList().forEach(b::putDouble);
                yield b;
            }
            case "INT64" -> {
                ByteBuffer b = alloc(c.getInt64ContentsCount() * 8);
                c.getInt64ContentsList().forEach(b::putLong);
                yield b;
            }
            case "UINT64" -> {
                ByteBuffer b = alloc(c.getUint64ContentsCount() * 8);
                c.getUint64ContentsList().forEach(b::putLong);
                yield b;
            }
            case "INT32", "INT16", "INT8" -> {
                int size = InferTensor.elementSize(datatype);
                ByteBuffer b = alloc(c.getIntContentsCount() * size);
                for (int v : c.getIntContentsList()) {
                    putSized(b, size, v);
                }
                yield b;
            }
            case "UINT32", "UINT16", "UINT8" -> {
                int size = InferTensor.elementSize(datatype);
                ByteBuffer b = alloc(c.getUintContentsCount() * size);
                for (int v : c.getUintContentsList()) {
                    putSized(b, size, v);
                }
                yield b;
            }
            case "BOOL" -> {
                ByteBuffer b = alloc(c.getBoolContentsCount());
                c.getBoolContentsList().forEach(v -> b.put((byte) (v ? 1 : 0)));
                yield b;
            }
            case "BYTES" -> {
                int total = 0;
                for (ByteString s : c.getBytesContentsList()) {
                    total += 4 + s.size();
                }
                ByteBuffer b = alloc(total);
                for (ByteString s : c.getBytesContentsList()) {
                    b.putInt(s.size()).put(s.asReadOnlyByteBuffer());
                }
                yield b;
            }
            default -> throw new TensorlineException(TensorlineException.Status.INTERNAL,
                    "response output of datatype " + datatype + " carries neither raw nor typed contents");
        };
        return out.flip();
    }

    private static void putSized(ByteBuffer b, int size, int v) {
        switch (size) {
            case 1 -> b.put((byte) v);
            case 2 -> b.putShort((short) v);
            default -> b.putInt(v);
        }
    }

    private static ByteBuffer alloc(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
