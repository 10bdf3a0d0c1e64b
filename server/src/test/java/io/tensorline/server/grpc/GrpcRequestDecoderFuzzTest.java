package io.tensorline.server.grpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.protobuf.ProtoUtils;
import io.tensorline.engine.DataType;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.RequestLimits;
import io.tensorline.server.core.RequestValidator;
import io.tensorline.server.testing.TestModelVersions;

import java.io.ByteArrayInputStream;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Fuzz target: bytes off the wire through the guarded marshaller ({@link UndecodableRequests}), the codec and the
 * validator, as a ModelInfer call takes them. The marshaller must never throw, and the rest must end in a request or
 * a client error.
 */
class GrpcRequestDecoderFuzzTest {

    private static final UndecodableRequests.LenientMarshaller<ModelInferRequest> MARSHALLER =
            new UndecodableRequests.LenientMarshaller<>(ProtoUtils.marshaller(ModelInferRequest.getDefaultInstance()),
                    "inference.GRPCInferenceService/ModelInfer");

    @FuzzTest(maxDuration = "4s")
    void decodeAndValidate(FuzzedDataProvider data) {
        DataType type = data.pickValue(DataType.values());
        Object parsed = MARSHALLER.parse(new ByteArrayInputStream(data.consumeRemainingAsBytes()));
        if (!(parsed instanceof ModelInferRequest request)) {
            return; // Undecodable: answered INVALID_ARGUMENT
        }
        try {
            RequestValidator.validate(TestModelVersions.identity("m", 1, type, 8, -1).spec(),
                    GrpcInferCodec.decode(request, 0), new RequestLimits(1 << 20));
        } catch (InferenceException e) {
            assertNotEquals(ErrorCode.INTERNAL, e.code(), e.getMessage());
        }
    }
}
