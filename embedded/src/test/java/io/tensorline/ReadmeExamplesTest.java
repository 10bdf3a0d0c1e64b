package io.tensorline;

import io.tensorline.batch.BatchMain;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferResult;
import io.tensorline.client.InferTensor;
import io.tensorline.client.TensorlineClient;
import io.tensorline.client.TensorlineException;
import io.tensorline.proto.ModelStatisticsResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "Use it from Java" examples of README.md, compiled and run here. Each example is the code between a
 * {@code // README <name>} marker and {@code // README end}; a test checks README.md holds it verbatim.
 */
class ReadmeExamplesTest {

    private static final Path README = Path.of("../README.md");

    @Test
    void clientExampleRuns(@TempDir Path dir) {
        try (Tensorline server = Tensorline.builder().modelRepository(TestRepository.of(dir, "mlp")).grpcPort(0).build()) {
            String target = "127.0.0.1:" + server.grpcPort();
            // README client
            try (TensorlineClient client = TensorlineClient.grpc(target).build()) {   // or .http("http://host:8000")
                InferRequest request = InferRequest.builder("mlp")
                        .input(InferTensor.fp32("INPUT0", new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 1, 4))
                        .id("req-1")
                        .deadline(Duration.ofSeconds(5))
                        .build();
                float[] scores = client.infer(request).output("OUTPUT0").asFloats();       // 3 scores
                CompletableFuture<InferResult> later = client.inferAsync(request);         // or asynchronously
                System.out.println(scores.length + " scores, id " + later.join().id());
                client.infer(InferRequest.builder("no_such_model").input(request.inputs().get(0)).build());
            } catch (TensorlineException e) {
                System.out.println(e.status() + ": " + e.serverMessage());                  // NOT_FOUND: ...
            }
            // README end
        }
    }

    @Test
    void embeddedExampleRuns(@TempDir Path dir) {
        Path repository = TestRepository.of(dir, "mlp");
        List<float[]> out = new ArrayList<>();
        // README embedded
        try (Tensorline tensorline = Tensorline.builder()
                .modelRepository(repository)       // e.g. Path.of("model-repository")
                .httpPort(0)                       // optional: also serve REST (and .grpcPort, .metricsPort)
                .build()) {
            InferResult result = tensorline.inferAsync(InferRequest.builder("mlp")
                    .input(InferTensor.fp32("INPUT0", new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4))
                    .build()).join();
            out.add(result.output("OUTPUT0").asFloats());                                  // 2 rows x 3
            ModelStatisticsResponse stats = tensorline.statistics("mlp", "");
            System.out.println(stats.getModelStats(0).getInferenceCount() + " inferences, REST on :"
                    + tensorline.httpPort());
        }
        // README end
        assertEquals(6, out.get(0).length);
    }

    @Test
    void batchExampleRuns(@TempDir Path dir) throws IOException {
        Path repository = TestRepository.of(dir.resolve("repo"), "mlp");
        Files.writeString(dir.resolve("rows.csv"), "a,b,c,d\n0.1,0.2,0.3,0.4\n1,2,3,4\n1,x,3,4\n");
        // README batch
        String command = "./tensorline batch -m mlp --input rows.csv --output scores.jsonl --map INPUT0=a,b,c,d "
                + "--on-error skip";
        // README end
        List<String> args = new ArrayList<>(List.of(command.substring("./tensorline ".length()).split(" ")));
        args.replaceAll(a -> a.equals("rows.csv") || a.equals("scores.jsonl") ? dir.resolve(a).toString() : a);
        args.addAll(List.of("--model-repository", repository.toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BatchMain.run(args.toArray(String[]::new), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertEquals(2, Files.readAllLines(dir.resolve("scores.jsonl")).size());
        String errors = Files.readString(dir.resolve("scores.jsonl.errors.jsonl"));
        assertTrue(errors.contains("\"line\":4"), errors);
        assertTrue(Files.readString(README).contains("$ " + command), "README shows the batch command as run here");
    }

    @Test
    void readmeHoldsTheExamplesAsTheyAreHere() throws IOException {
        String readme = Files.readString(README);
        String source = Files.readString(Path.of("src/test/java/io/tensorline/ReadmeExamplesTest.java"));
        for (String name : List.of("client", "embedded")) {
            String snippet = snippet(source, name);
            assertTrue(readme.contains(snippet), "README.md lacks the " + name + " example as compiled here:\n" + snippet);
        }
    }

    /** The lines between the markers, with their common indentation removed. */
    static String snippet(String source, String name) {
        List<String> lines = source.lines().toList();
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals("// README " + name)) {
                start = i + 1;
                break;
            }
        }
        int end = start;
        while (!lines.get(end).trim().equals("// README end")) {
            end++;
        }
        List<String> body = lines.subList(start, end);
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        StringBuilder b = new StringBuilder();
        for (String l : body) {
            b.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n');
        }
        return b.toString();
    }
}
