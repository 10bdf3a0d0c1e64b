package io.tensorline.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.proto.RepositoryModelLoadResponse;
import io.tensorline.proto.RepositoryModelUnloadRequest;
import io.tensorline.proto.RepositoryModelUnloadResponse;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.repository.LoadParameters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The model_repository extension's load and unload RPCs: decodes Triton's parameters (with Triton's error texts),
 * starts the operation, and answers when it completes. The handler returns at once; the reply is sent from the
 * thread that finishes the load. Stateless.
 */
final class RepositoryControl {

    static final String REPOSITORY_NAME_UNSUPPORTED = "'repository_name' specification is not supported";

    private RepositoryControl() {
    }

    static void load(InferenceServer server, RepositoryModelLoadRequest request,
                     StreamObserver<RepositoryModelLoadResponse> reply) {
        CompletableFuture<Void> done;
        try {
            checkRepositoryName(request.getRepositoryName());
            done = server.loadModel(request.getModelName(), loadParameters(request.getParametersMap()));
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        answer(done, reply, RepositoryModelLoadResponse.getDefaultInstance());
    }

    static void unload(InferenceServer server, RepositoryModelUnloadRequest request,
                       StreamObserver<RepositoryModelUnloadResponse> reply) {
        CompletableFuture<Void> done;
        try {
            checkRepositoryName(request.getRepositoryName());
            boolean dependents = false;
            ModelRepositoryParameter p = request.getParametersMap().get("unload_dependents");
            if (p != null) {
                if (p.getParameterChoiceCase() != ModelRepositoryParameter.ParameterChoiceCase.BOOL_PARAM) {
                    throw InferenceException.invalid("invalid value type for 'unload_dependents' parameter, "
                            + "expected bool_param.");
                }
                dependents = p.getBoolParam();
            }
            done = server.unloadModel(request.getModelName(), dependents);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        answer(done, reply, RepositoryModelUnloadResponse.getDefaultInstance());
    }

    static void checkRepositoryName(String name) {
        if (!name.isEmpty()) {
            throw new InferenceException(ErrorCode.UNSUPPORTED, REPOSITORY_NAME_UNSUPPORTED);
        }
    }

    /** {@code config} as string_param, {@code file:<path>} as bytes_param (raw bytes), nothing else. */
    static LoadParameters loadParameters(Map<String, ModelRepositoryParameter> parameters) {
        String config = null;
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, ModelRepositoryParameter> p : parameters.entrySet()) {
            String key = p.getKey();
            ModelRepositoryParameter.ParameterChoiceCase kind = p.getValue().getParameterChoiceCase();
            if (key.equals("config")) {
                if (kind != ModelRepositoryParameter.ParameterChoiceCase.STRING_PARAM) {
                    throw InferenceException.invalid("invalid value type for load parameter 'config', expected "
                            + "string_param.");
                }
                config = p.getValue().getStringParam();
            } else if (key.startsWith("file:")) {
                if (kind != ModelRepositoryParameter.ParameterChoiceCase.BYTES_PARAM) {
                    throw InferenceException.invalid("invalid value type for load parameter '%s', expected "
                            + "bytes_param.", key);
                }
                files.put(key.substring("file:".length()), p.getValue().getBytesParam().toByteArray());
            } else {
                throw InferenceException.invalid("unrecognized load parameter '%s'.", key);
            }
        }
        return new LoadParameters(config, files);
    }

    private static <T> void answer(CompletableFuture<Void> done, StreamObserver<T> reply, T empty) {
        done.whenComplete((r, e) -> {
            if (e != null) {
                reply.onError(GrpcErrors.toStatusException(e));
            } else {
                reply.onNext(empty);
                reply.onCompleted();
            }
        });
    }
}
