package io.tensorline.server.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bundled MLP of each framework with {@code max_batch_size: 0}, so its first dimension is an ordinary variable
 * one ({@code dims: [-1, 4]}) that any shape reaches the engine through, as in the crash report of issue 9.
 */
final class UnbatchedMlps {

    static final Path BUNDLED = Path.of("../model-repository");

    private UnbatchedMlps() {
    }

    static void onnx(Path repository) throws IOException {
        TestServers.copyModel(BUNDLED, "mlp", repository, "onnx_mlp");
        Files.writeString(repository.resolve("onnx_mlp/config.pbtxt"), "platform: \"onnxruntime_onnx\"\n"
                + "max_batch_size: 0\n");
    }

    static void torchScript(Path repository) throws IOException {
        TestServers.copyModel(BUNDLED, "mlp_torchscript", repository, "pt_mlp");
        Files.writeString(repository.resolve("pt_mlp/config.pbtxt"), "platform: \"pytorch_libtorch\"\n"
                + "max_batch_size: 0\n"
                + "input [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [ -1, 4 ] } ]\n"
                + "output [ { name: \"OUTPUT__0\" data_type: TYPE_FP32 dims: [ -1, 3 ] } ]\n");
    }

    static void savedModel(Path repository) throws IOException {
        TestServers.copyModel(BUNDLED, "mlp_savedmodel", repository, "tf_mlp");
        Files.writeString(repository.resolve("tf_mlp/config.pbtxt"), "platform: \"tensorflow_savedmodel\"\n"
                + "max_batch_size: 0\n");
    }
}
