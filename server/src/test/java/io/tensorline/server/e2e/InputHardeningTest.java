package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.tensorline.server.e2e.BadInputProbe.BYTES_WRAP_TO_ZERO;
import static io.tensorline.server.e2e.BadInputProbe.ELEMENTS_OVERFLOW;
import static io.tensorline.server.e2e.BadInputProbe.NO_ROWS;

/**
 * Issue 9's bad shapes against ONNX Runtime and PyTorch, in this JVM (they answered INTERNAL before; TensorFlow
 * aborted the process, so its cases run in a forked server: {@link TensorFlowCrashTest}). Every case is refused with
 * INVALID_ARGUMENT / 400 before the engine sees it, and the model answers a good request afterwards.
 */
class InputHardeningTest {

    /** 5 x 4 FP32 is 80 bytes, over this; the good 3 x 4 request is 48. */
    static final long MAX_TENSOR_BYTES = 64;

    @TempDir
    static Path repository;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static BadInputProbe probe;

    @BeforeAll
    static void start() throws Exception {
        UnbatchedMlps.onnx(repository);
        UnbatchedMlps.torchScript(repository);
        server = TensorlineServer.start(TestServers.withMaxTensorBytes(repository, MAX_TENSOR_BYTES));
        channel = TestServers.channel(server);
        probe = new BadInputProbe(channel, server.httpPort());
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            TestServers.close(channel);
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"onnx_mlp, INPUT0", "pt_mlp, INPUT__0"})
    void aByteCountThatWrapsToZeroIsRefused(String model, String input) throws Exception {
        probe.assertRefusedOverGrpc(model, input, BYTES_WRAP_TO_ZERO, 0, "'" + input + "'",
                "[1152921504606846976, 4]", "overflows 64 bits", "at most 9223372036854775807 bytes");
        probe.assertRefusedOverRest(model, input, BYTES_WRAP_TO_ZERO, 0, "'" + input + "'",
                "[1152921504606846976,4]", "more than 2^63");
        probe.assertServes(model, input);
    }

    @ParameterizedTest
    @CsvSource({"onnx_mlp, INPUT0", "pt_mlp, INPUT__0"})
    void anElementCountThatOverflowsIsRefused(String model, String input) throws Exception {
        probe.assertRefusedOverGrpc(model, input, ELEMENTS_OVERFLOW, 0, "'" + input + "'",
                "[4611686018427387904, 4]", "element count overflows 64 bits");
        probe.assertRefusedOverRest(model, input, ELEMENTS_OVERFLOW, 0, "'" + input + "'",
                "[4611686018427387904,4]", "too many elements");
        probe.assertServes(model, input);
    }

    @ParameterizedTest
    @CsvSource({"onnx_mlp, INPUT0", "pt_mlp, INPUT__0"})
    void anEmptyTensorIsRefused(String model, String input) throws Exception {
        probe.assertRefusedOverGrpc(model, input, NO_ROWS, 0, "'" + input + "'", "[0, 4]", "empty tensor");
        probe.assertRefusedOverRest(model, input, NO_ROWS, 0, "'" + input + "'", "[0, 4]", "empty tensor");
        probe.assertServes(model, input);
    }

    @ParameterizedTest
    @CsvSource({"onnx_mlp, INPUT0", "pt_mlp, INPUT__0"})
    void aTensorOverMaxTensorBytesIsRefused(String model, String input) throws Exception {
        probe.assertRefusedOverGrpc(model, input, new long[] {5, 4}, 80, "'" + input + "'", "[5, 4]",
                "80 bytes", "at most 64 bytes", "--max-tensor-bytes");
        probe.assertRefusedOverRest(model, input, new long[] {5, 4}, 80, "'" + input + "'", "[5, 4]",
                "at most 64 bytes");
        probe.assertServes(model, input);
    }
}
