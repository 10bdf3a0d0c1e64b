package io.tensorline.server.e2e;

import io.tensorline.client.InferCodec;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferTensor;
import io.tensorline.proto.ModelInferRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes simulated-device models (backend "simulated": OUTPUT0 copies INPUT0 after a set delay) into a repository. */
final class SimulatedModels {

    private SimulatedModels() {
    }

    /** A non-batching model with one instance, {@code width} FP32 elements in and out, taking {@code delayUs}. */
    static void write(Path repo, String name, int width, long delayUs) throws IOException {
        write(repo, name, width, 0, """
                parameters [ { key: "execute_delay_us" value: { string_value: "%d" } } ]
                """.formatted(delayUs));
    }

    /** A model with one instance and {@code maxBatchSize}, the rest of its config in {@code more}. */
    static void write(Path repo, String name, int width, int maxBatchSize, String more) throws IOException {
        Path dir = repo.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        Files.writeString(dir.resolve("1/model.simulated"), "");
        Files.writeString(dir.resolve("config.pbtxt"), """
                name: "%s"
                backend: "simulated"
                max_batch_size: %d
                input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ %d ] } ]
                output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ %d ] } ]
                instance_group [ { count: 1 kind: KIND_CPU } ]
                """.formatted(name, maxBatchSize, width, width) + more);
    }

    /** A request for such a model whose elements are {@code first, first+1, ...}. */
    static ModelInferRequest request(String model, int width, float first) {
        return InferCodec.toGrpc(inferRequest(model, width, first));
    }

    private static InferRequest inferRequest(String model, int width, float first) {
        float[] v = new float[width];
        for (int i = 0; i < width; i++) {
            v[i] = first + i;
        }
        return InferRequest.builder(model).input(InferTensor.fp32("INPUT0", v)).build();
    }

    /** A stream reply observer that puts each reply, the error, or the string "completed" on a queue. */
    static io.grpc.stub.StreamObserver<io.tensorline.proto.ModelStreamInferResponse> into(
            java.util.concurrent.BlockingQueue<Object> seen) {
        return new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(io.tensorline.proto.ModelStreamInferResponse r) {
                seen.add(r);
            }

            @Override
            public void onError(Throwable t) {
                seen.add(t);
            }

            @Override
            public void onCompleted() {
                seen.add("completed");
            }
        };
    }

    /** The JSON body of the same request for REST, as the client writes it. */
    static String json(int width, float first) {
        return new String(InferCodec.toRest(inferRequest("", width, first), false).bytes(), StandardCharsets.UTF_8);
    }
}
