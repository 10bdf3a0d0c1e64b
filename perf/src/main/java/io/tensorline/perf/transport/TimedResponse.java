package io.tensorline.perf.transport;

import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

import java.io.InputStream;

/**
 * A ModelInfer response together with the time its protobuf parse took. The parse runs inside gRPC's marshaller,
 * so timing it there is the only way to see the client's receive cost without parsing twice.
 */
record TimedResponse(ModelInferResponse response, long parseNs) {

    /** ModelInfer on the generated service's method name, with a response marshaller that times the parse. */
    static final MethodDescriptor<ModelInferRequest, TimedResponse> MODEL_INFER =
            GRPCInferenceServiceGrpc.getModelInferMethod().toBuilder(
                    ProtoUtils.marshaller(ModelInferRequest.getDefaultInstance()), new Marshaller()).build();

    private static final class Marshaller implements MethodDescriptor.Marshaller<TimedResponse> {
        private final MethodDescriptor.Marshaller<ModelInferResponse> proto =
                ProtoUtils.marshaller(ModelInferResponse.getDefaultInstance());

        @Override
        public InputStream stream(TimedResponse value) {
            return proto.stream(value.response());
        }

        @Override
        public TimedResponse parse(InputStream stream) {
            long t0 = System.nanoTime();
            ModelInferResponse response = proto.parse(stream);
            return new TimedResponse(response, System.nanoTime() - t0);
        }
    }
}
