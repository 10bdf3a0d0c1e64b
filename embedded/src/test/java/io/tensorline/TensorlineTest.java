package io.tensorline;

import io.tensorline.client.InferRequest;
import io.tensorline.client.InferResult;
import io.tensorline.client.InferTensor;
import io.tensorline.client.TensorlineClient;
import io.tensorline.client.TensorlineException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded server over real models, with its endpoints started from the same object. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TensorlineTest {

    private Tensorline tl;

    @BeforeAll
    void start(@TempDir Path dir) {
        tl = Tensorline.builder().modelRepository(TestRepository.of(dir, "simple", "mlp", "identity_string"))
                .grpcPort(0).httpPort(0).build();
    }

    @AfterAll
    void stop() {
        tl.close();
    }

    @Test
    void infersOnTheRealModel() {
        float[] a = new float[16];
        float[] b = new float[16];
        for (int i = 0; i < 16; i++) {
            a[i] = i;
            b[i] = 0.25f * i;
        }
        InferResult r = tl.inferAsync(InferRequest.builder("simple").id("e1")
                .input(InferTensor.fp32("INPUT0", a, 1, 16)).input(InferTensor.fp32("INPUT1", b, 1, 16)).build()).join();
        assertEquals("e1", r.id());
        assertEquals("1", r.version());
        float[] sum = r.output("OUTPUT0").asFloats();
        for (int i = 0; i < 16; i++) {
            assertEquals(1.25f * i, sum[i], 1e-6f);
        }
    }

    @Test
    void answersAsTheEndpointsItStartedDo() {
        InferRequest request = InferRequest.builder("mlp")
                .input(InferTensor.fp32("INPUT0", new float[] {0.3f, -1f, 2f, 0f, 1f, 1f, 1f, 1f}, 2, 4)).build();
        float[] embedded = tl.infer(request).output("OUTPUT0").asFloats();
        assertEquals(6, embedded.length);
        try (TensorlineClient grpc = TensorlineClient.grpc("127.0.0.1:" + tl.grpcPort()).build();
             TensorlineClient http = TensorlineClient.http("http://127.0.0.1:" + tl.httpPort()).build()) {
            assertArrayEquals(embedded, grpc.infer(request).output("OUTPUT0").asFloats());
            assertArrayEquals(embedded, http.infer(request).output("OUTPUT0").asFloats());
        }
    }

    @Test
    void metadataStatisticsAndIndexAreTheServers() {
        assertTrue(tl.isServerReady());
        assertEquals("tensorline", tl.serverMetadata().getName());
        assertEquals(List.of("INPUT0"), tl.modelMetadata("mlp", "").getInputsList().stream().map(t -> t.getName()).toList());
        assertEquals(4, tl.modelConfig("mlp", "").getMaxBatchSize());
        long before = tl.statistics("identity_string", "").getModelStats(0).getInferenceStats().getSuccess().getCount();
        String[] words = {"a", "bc"};
        assertArrayEquals(words, tl.infer(InferRequest.builder("identity_string")
                .input(InferTensor.strings("INPUT0", words, 1, 2)).build()).output("OUTPUT0").asStrings());
        // the server completes a request just before it records it: wait (bounded) for the count to catch up
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (successes("identity_string") < before + 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(before + 1, successes("identity_string"));
        assertEquals(3, tl.repositoryIndex(false).getModelsCount());
    }

    private long successes(String model) {
        return tl.statistics(model, "").getModelStats(0).getInferenceStats().getSuccess().getCount();
    }

    @Test
    void manyConcurrentRequestsEachGetTheirOwnRows() {
        List<CompletableFuture<InferResult>> futures = new ArrayList<>();
        for (int n = 0; n < 50; n++) {
            float[] a = new float[16];
            a[0] = n;
            futures.add(tl.inferAsync(InferRequest.builder("simple").input(InferTensor.fp32("INPUT0", a, 1, 16))
                    .input(InferTensor.fp32("INPUT1", new float[16], 1, 16)).build()));
        }
        for (int n = 0; n < 50; n++) {
            assertEquals(n, futures.get(n).join().output("OUTPUT0").asFloats()[0]);
        }
    }

    @Test
    void errorsAreTheClientsExceptionWithTheServersWords() {
        TensorlineException e = assertThrows(TensorlineException.class, () -> tl.infer(InferRequest.builder("mlp")
                .input(InferTensor.fp32("INPUT0", new float[3], 1, 3)).build()));
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.serverMessage().contains("INPUT0"), e.serverMessage());
        CompletionException async = assertThrows(CompletionException.class, () -> tl.inferAsync(
                InferRequest.builder("missing").input(InferTensor.fp32("X", new float[1])).build()).join());
        assertEquals(TensorlineException.Status.NOT_FOUND,
                assertInstanceOf(TensorlineException.class, async.getCause()).status());
    }

    /** A simulated device taking 400 ms per batch (backend "simulated"), so a 50 ms deadline always passes first. */
    @Test
    void aDeadlineFailsWithDeadlineExceededAndTheServerGoesOn(@TempDir Path dir) throws IOException {
        Path repo = TestRepository.of(dir, "simulated");
        Path config = repo.resolve("simulated/config.pbtxt");
        Files.writeString(config, Files.readString(config).replace("\"2000\"", "\"400000\""));
        try (Tensorline slow = Tensorline.builder().modelRepository(repo).build()) {
            InferRequest.Builder request = InferRequest.builder("simulated")
                    .input(InferTensor.fp32("INPUT0", new float[16], 1, 16));
            TensorlineException e = assertThrows(TensorlineException.class,
                    () -> slow.infer(request.deadline(Duration.ofMillis(50)).build()));
            assertEquals(TensorlineException.Status.DEADLINE_EXCEEDED, e.status());
            CompletableFuture<InferResult> cancelled = slow.inferAsync(InferRequest.builder("simulated")
                    .input(InferTensor.fp32("INPUT0", new float[16], 1, 16)).build());
            assertTrue(cancelled.cancel(false));
            float[] in = new float[16];
            in[3] = 7;
            assertArrayEquals(in, slow.infer(InferRequest.builder("simulated")
                    .input(InferTensor.fp32("INPUT0", in, 1, 16)).build()).output("OUTPUT0").asFloats());
        }
    }

    @Test
    void aMissingRepositoryIsRefusedAtBuild(@TempDir Path dir) {
        TensorlineException e = assertThrows(TensorlineException.class,
                () -> Tensorline.builder().modelRepository(dir.resolve("nothing-here")).build());
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, e.status());
    }
}
