package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.BadInputProbe.BYTES_WRAP_TO_ZERO;
import static io.tensorline.server.e2e.BadInputProbe.ELEMENTS_OVERFLOW;
import static io.tensorline.server.e2e.BadInputProbe.NO_ROWS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TensorFlow crash of issue 9, against a server in a forked JVM: a 2^60 x 4 FP32 input with no data (its byte
 * count wraps to 0 in unchecked arithmetic) reached TensorFlow, which aborted the process (SIGABRT, exit 134). The
 * fork keeps a regression from taking the test JVM with it; each test checks the server is still alive and serving.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TensorFlowCrashTest {

    private static final String MODEL = "tf_mlp";
    private static final String INPUT = "INPUT0";

    @TempDir
    static Path dir;

    private static Process child;
    private static ManagedChannel channel;
    private static BadInputProbe probe;

    @BeforeAll
    static void fork() throws Exception {
        Path repository = Files.createDirectories(dir.resolve("repository"));
        UnbatchedMlps.savedModel(repository);
        Path ports = dir.resolve("ports");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        for (String p : new String[] {"ai.djl.offline", "org.bytedeco.javacpp.cachedir"}) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.addAll(List.of(ForkedServer.class.getName(), repository.toString(),
                Long.toString(InputHardeningTest.MAX_TENSOR_BYTES), ports.toString()));
        File log = dir.resolve("server.log").toFile();
        child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        while (!Files.exists(ports)) {
            if (!child.isAlive()) {
                throw new AssertionError("forked server exited " + child.exitValue() + ":\n" + Files.readString(log.toPath()));
            }
            Thread.sleep(50);
        }
        String[] p = Files.readString(ports).split(" ");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(p[0])).usePlaintext().build();
        probe = new BadInputProbe(channel, Integer.parseInt(p[1]));
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            TestServers.close(channel);
        }
        if (child != null) {
            child.getOutputStream().close();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(0, child.exitValue(), "the forked server's exit status");
        }
    }

    private static void assertAliveAndServing() throws Exception {
        assertTrue(child.isAlive(), () -> "the server died with exit status " + child.exitValue());
        probe.assertServes(MODEL, INPUT);
    }

    @Test
    void aByteCountThatWrapsToZeroIsRefusedBeforeTensorFlow() throws Exception {
        probe.assertRefusedOverGrpc(MODEL, INPUT, BYTES_WRAP_TO_ZERO, 0, "'INPUT0'", "[1152921504606846976, 4]",
                "overflows 64 bits");
        probe.assertRefusedOverRest(MODEL, INPUT, BYTES_WRAP_TO_ZERO, 0, "'INPUT0'", "[1152921504606846976,4]");
        assertAliveAndServing();
    }

    @Test
    void anElementCountThatOverflowsIsRefusedBeforeTensorFlow() throws Exception {
        probe.assertRefusedOverGrpc(MODEL, INPUT, ELEMENTS_OVERFLOW, 0, "'INPUT0'", "element count overflows");
        probe.assertRefusedOverRest(MODEL, INPUT, ELEMENTS_OVERFLOW, 0, "'INPUT0'", "too many elements");
        assertAliveAndServing();
    }

    @Test
    void anEmptyTensorIsRefusedBeforeTensorFlow() throws Exception {
        probe.assertRefusedOverGrpc(MODEL, INPUT, NO_ROWS, 0, "'INPUT0'", "empty tensor");
        probe.assertRefusedOverRest(MODEL, INPUT, NO_ROWS, 0, "'INPUT0'", "empty tensor");
        assertAliveAndServing();
    }

    @Test
    void aTensorOverMaxTensorBytesIsRefusedBeforeTensorFlow() throws Exception {
        probe.assertRefusedOverGrpc(MODEL, INPUT, new long[] {5, 4}, 80, "'INPUT0'", "--max-tensor-bytes");
        probe.assertRefusedOverRest(MODEL, INPUT, new long[] {5, 4}, 80, "'INPUT0'", "at most 64 bytes");
        assertAliveAndServing();
    }
}
