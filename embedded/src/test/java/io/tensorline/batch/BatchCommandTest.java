package io.tensorline.batch;

import io.tensorline.Tensorline;
import io.tensorline.TestRepository;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferResult;
import io.tensorline.client.InferTensor;
import io.tensorline.client.TensorlineException;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tensorline batch} over the bundled mlp (INPUT0 FP32 [4] -> OUTPUT0 FP32 [3], max_batch_size 4). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchCommandTest {

    private static final int ROWS = 25;

    private Path repo;
    private Tensorline reference;
    private float[][] rows;
    private float[][] expected;

    @BeforeAll
    void start(@TempDir Path dir) {
        repo = TestRepository.of(dir, "mlp", "simple", "nobatch_fixed");
        reference = Tensorline.builder().modelRepository(repo).grpcPort(0).httpPort(0).build();
        rows = new float[ROWS][4];
        expected = new float[ROWS][];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < 4; c++) {
                rows[r][c] = (r * 4 + c) / 10f - 5f;
            }
            expected[r] = reference.infer(InferRequest.builder("mlp")
                    .input(InferTensor.fp32("INPUT0", rows[r], 1, 4)).build()).output("OUTPUT0").asFloats();
        }
    }

    @AfterAll
    void stop() {
        reference.close();
    }

    @Test
    void jsonLinesInOrderWithChunksAndPartialBatches(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), jsonl(-1, null));
        Path out = dir.resolve("out.jsonl");
        Run r = batch("-m", "mlp", "--input", in.toString(), "--output", out.toString(), "--chunk-rows", "10");
        assertEquals(0, r.status, r.err);
        assertMatchesExpected(readJsonl(out), List.of());
        assertTrue(r.out.contains("25 rows scored"), r.out);
        assertFalse(Files.exists(dir.resolve("out.jsonl.parts")));
    }

    @Test
    void csvWithMappedColumnsAndListCells(@TempDir Path dir) throws IOException {
        StringBuilder a = new StringBuilder("id,a,b,c,d\n");
        StringBuilder b = new StringBuilder("id,features\n");
        for (int r = 0; r < ROWS; r++) {
            a.append(r);
            for (float v : rows[r]) {
                a.append(',').append(v);
            }
            a.append('\n');
            b.append(r).append(",\"[").append(rows[r][0]).append(' ').append(rows[r][1]).append(' ')
                    .append(rows[r][2]).append(' ').append(rows[r][3]).append("]\"\n");
        }
        Path outA = dir.resolve("a.csv");
        Run ra = batch("-m", "mlp", "--input", write(dir.resolve("in-a.csv"), a.toString()).toString(),
                "--output", outA.toString(), "--map", "INPUT0=a,b,c,d", "--batch-size", "3");
        assertEquals(0, ra.status, ra.err);
        List<String> lines = Files.readAllLines(outA);
        assertEquals("row,OUTPUT0_0,OUTPUT0_1,OUTPUT0_2", lines.get(0));
        assertEquals(ROWS + 1, lines.size());
        for (int r = 0; r < ROWS; r++) {
            String[] cells = lines.get(r + 1).split(",");
            assertEquals(Integer.toString(r), cells[0]);
            for (int k = 0; k < 3; k++) {
                assertEquals(expected[r][k], Float.parseFloat(cells[k + 1]));
            }
        }
        Path outB = dir.resolve("b.jsonl");
        Run rb = batch("-m", "mlp", "--input", write(dir.resolve("in-b.csv"), b.toString()).toString(),
                "--output", outB.toString(), "--map", "INPUT0=features");
        assertEquals(0, rb.status, rb.err);
        assertMatchesExpected(readJsonl(outB), List.of());
    }

    /** The test rows as a .npy file. */
    private Path npyInput(Path dir) throws IOException {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + ROWS + ", 4), }";
        int pad = 64 - (10 + header.length() + 1) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + ROWS * 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float[] row : rows) {
            for (float v : row) {
                b.putFloat(v);
            }
        }
        Path in = dir.resolve("in.npy");
        Files.write(in, b.array());
        return in;
    }

    @Test
    void npyOutputIsOneArrayOfTheOutputRowsInInputOrder(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out.npy");
        Run r = batch("-m", "mlp", "--input", npyInput(dir).toString(), "--output", out.toString(), "--chunk-rows", "10");
        assertEquals(0, r.status, r.err);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x93, b.get() & 0xff);
        byte[] magic = new byte[5];
        b.get(magic);
        assertEquals("NUMPY", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, b.get());
        assertEquals(0, b.get());
        int headerLength = b.getShort();
        assertEquals(0, (10 + headerLength) % 64, "the data starts 64-byte aligned");
        byte[] header = new byte[headerLength];
        b.get(header);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (" + ROWS + ", 3), }",
                new String(header, StandardCharsets.US_ASCII).trim());
        assertEquals(ROWS * 3 * 4, b.remaining());
        for (int row = 0; row < ROWS; row++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(expected[row][k], b.getFloat(), "row " + row + " element " + k);
            }
        }
    }

    @Test
    void npyOutputNeedsAModelWithOneOutput(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), "{\"INPUT0\": [" + "1,".repeat(15) + "1], \"INPUT1\": ["
                + "1,".repeat(15) + "1]}\n");
        Run r = batch("-m", "simple", "--input", in.toString(), "--output", dir.resolve("out.npy").toString());
        assertEquals(2, r.status, r.out);
        assertTrue(r.err.contains("a .npy file holds one array, model 'simple' has 2 outputs (expected: one; use "
                + ".jsonl or .csv)"), r.err);
    }

    @Test
    void bulkSubmissionsGiveTheOutputsOfSingleRequestsAndCountEachAsARequest() {
        List<InferRequest> requests = new java.util.ArrayList<>();
        for (int r = 0; r + 4 <= 20; r += 4) {
            float[] four = new float[16];
            for (int k = 0; k < 4; k++) {
                System.arraycopy(rows[r + k], 0, four, 4 * k, 4);
            }
            requests.add(InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", four, 4, 4)).build());
        }
        var before = reference.statistics("mlp", "").getModelStats(0);
        List<InferResult> results = reference.inferBulk(requests).join();
        var after = reference.statistics("mlp", "").getModelStats(0);
        assertEquals(5, results.size());
        for (int i = 0; i < 5; i++) {
            float[] got = results.get(i).output("OUTPUT0").asFloats();
            for (int k = 0; k < 4; k++) {
                assertArrayEquals(expected[4 * i + k], java.util.Arrays.copyOfRange(got, 3 * k, 3 * k + 3));
            }
        }
        assertEquals(5, after.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount());
        assertEquals(5, after.getExecutionCount() - before.getExecutionCount());
        assertEquals(20, after.getInferenceCount() - before.getInferenceCount());
    }

    /** Requests over rows 0.. of {@code sizes[i]} rows each. */
    private List<InferRequest> mlpRequests(int... sizes) {
        List<InferRequest> requests = new java.util.ArrayList<>();
        int r = 0;
        for (int n : sizes) {
            float[] part = new float[4 * n];
            for (int k = 0; k < n; k++) {
                System.arraycopy(rows[r + k], 0, part, 4 * k, 4);
            }
            requests.add(InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", part, n, 4)).build());
            r += n;
        }
        return requests;
    }

    @Test
    void aJoinedBulkLaysTheOutputsOfSingleRequestsEndToEndAndCountsEachAsARequest() {
        List<InferRequest> requests = mlpRequests(4, 3, 1, 4, 2);
        var before = reference.statistics("mlp", "").getModelStats(0);
        InferResult joined = reference.inferBulkJoined(requests).join();
        var after = reference.statistics("mlp", "").getModelStats(0);
        float[] got = assertFirstRows(joined, 14);
        int at = 0;
        for (InferRequest single : requests) {
            float[] alone = reference.infer(single).output("OUTPUT0").asFloats();
            assertArrayEquals(alone, java.util.Arrays.copyOfRange(got, at, at + alone.length));
            at += alone.length;
        }
        assertEquals(5, after.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount());
        assertEquals(5, after.getExecutionCount() - before.getExecutionCount());
        assertEquals(14, after.getInferenceCount() - before.getInferenceCount());
    }

    @Test
    void aJoinedBulkWithABadPartFailsBeforeAnyRuns() {
        List<InferRequest> requests = new java.util.ArrayList<>(mlpRequests(2, 2));
        requests.add(1, InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", new float[10], 2, 5)).build());
        InferRequest otherOutputs = InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", rows[0], 1, 4))
                .output("OUTPUT0").build();
        long before = reference.statistics("mlp", "").getModelStats(0).getExecutionCount();
        TensorlineException badShape = joinedFailure(requests);
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, badShape.status());
        assertTrue(badShape.getMessage().contains("INPUT0"), badShape.getMessage());
        TensorlineException outputs = joinedFailure(List.of(requests.get(0), otherOutputs));
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, outputs.status());
        assertTrue(outputs.getMessage().endsWith("bulk request 1 asks for outputs [OUTPUT0] (expected: the first one's, [])"),
                outputs.getMessage());
        assertEquals(before, reference.statistics("mlp", "").getModelStats(0).getExecutionCount());
    }

    private TensorlineException joinedFailure(List<InferRequest> requests) {
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, () -> reference.inferBulkJoined(requests).join());
        return org.junit.jupiter.api.Assertions.assertInstanceOf(TensorlineException.class, e.getCause());
    }

    @Test
    void aBulkWithAnInvalidRequestFailsBeforeAnyRuns() {
        InferRequest good = InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", rows[0], 1, 4)).build();
        InferRequest tooWide = InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", new float[5], 1, 5)).build();
        long before = reference.statistics("mlp", "").getModelStats(0).getExecutionCount();
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> reference.inferBulk(List.of(good, tooWide, good)).join());
        TensorlineException te = org.junit.jupiter.api.Assertions.assertInstanceOf(TensorlineException.class, e.getCause());
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, te.status());
        assertTrue(te.getMessage().contains("INPUT0"), te.getMessage());
        assertEquals(before, reference.statistics("mlp", "").getModelStats(0).getExecutionCount());
    }

    /** Checks that {@code joined} holds the expected outputs of rows 0..n-1 and nothing else; returns them. */
    private float[] assertFirstRows(InferResult joined, int n) {
        assertEquals(List.of("OUTPUT0"), joined.outputs().stream().map(InferTensor::name).toList());
        assertArrayEquals(new long[] {n, 3}, joined.output("OUTPUT0").shape());
        float[] got = joined.output("OUTPUT0").asFloats();
        for (int row = 0; row < n; row++) {
            assertArrayEquals(expected[row], java.util.Arrays.copyOfRange(got, 3 * row, 3 * row + 3), "row " + row);
        }
        return got;
    }

    /** Rows 0.. in one request of {@code n} rows. */
    private InferRequest mlpRows(int n) {
        float[] all = new float[4 * n];
        for (int k = 0; k < n; k++) {
            System.arraycopy(rows[k], 0, all, 4 * k, 4);
        }
        return InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", all, n, 4)).build();
    }

    @Test
    void aRequestInPartsGivesTheRowsOfSingleRequestsAndCountsEachPartAsARequest() {
        var before = reference.statistics("mlp", "").getModelStats(0);
        InferResult joined = reference.inferInParts(mlpRows(14), 4).join();
        var after = reference.statistics("mlp", "").getModelStats(0);
        assertFirstRows(joined, 14);
        assertEquals(4, after.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount(),
                "parts of 4, 4, 4 and 2 rows, each a request");
        assertEquals(4, after.getInferenceStats().getQueue().getCount() - before.getInferenceStats().getQueue().getCount());
        assertEquals(4, after.getExecutionCount() - before.getExecutionCount());
        assertEquals(14, after.getInferenceCount() - before.getInferenceCount());
    }

    @Test
    void aRequestInPartsOfTwoInputsAndTwoOutputsEqualsItsPartsAsAJoinedBulk() {
        float[] a = new float[10 * 16];
        float[] b = new float[10 * 16];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.25f;
            b[i] = 100 - i;
        }
        InferResult parts = reference.inferInParts(InferRequest.builder("simple").input(InferTensor.fp32("INPUT0", a, 10, 16))
                .input(InferTensor.fp32("INPUT1", b, 10, 16)).build(), 3).join();
        List<InferRequest> bulk = new ArrayList<>();
        for (int at = 0; at < 10; at += 3) {
            int n = Math.min(3, 10 - at);
            bulk.add(InferRequest.builder("simple")
                    .input(InferTensor.fp32("INPUT0", java.util.Arrays.copyOfRange(a, 16 * at, 16 * (at + n)), n, 16))
                    .input(InferTensor.fp32("INPUT1", java.util.Arrays.copyOfRange(b, 16 * at, 16 * (at + n)), n, 16))
                    .build());
        }
        InferResult joined = reference.inferBulkJoined(bulk).join();
        for (String output : List.of("OUTPUT0", "OUTPUT1")) {
            assertArrayEquals(new long[] {10, 16}, parts.output(output).shape());
            assertArrayEquals(joined.output(output).asFloats(), parts.output(output).asFloats(), output);
        }
        float[] sum = parts.output("OUTPUT0").asFloats();
        assertEquals(a[37] + b[37], sum[37]);
    }

    @Test
    void aRequestInPartsIsCheckedOnceBeforeAnyPartRuns() {
        long before = reference.statistics("mlp", "").getModelStats(0).getExecutionCount();
        InferRequest tooWide = InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", new float[50], 10, 5)).build();
        TensorlineException wide = inPartsFailure(tooWide, 4);
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, wide.status());
        assertTrue(wide.getMessage().contains("INPUT0"), wide.getMessage());
        TensorlineException partTooBig = inPartsFailure(mlpRows(10), 5);
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, partTooBig.status());
        assertTrue(partTooBig.getMessage().endsWith("5 rows per part for model 'mlp' (expected: 1 to max_batch_size 4)"),
                partTooBig.getMessage());
        TensorlineException noBatch = inPartsFailure(InferRequest.builder("nobatch_fixed")
                .input(InferTensor.fp32("INPUT0", new float[4], 2, 2)).build(), 1);
        assertEquals(TensorlineException.Status.INVALID_ARGUMENT, noBatch.status());
        assertTrue(noBatch.getMessage().contains("model 'nobatch_fixed' does not batch"), noBatch.getMessage());
        assertEquals(before, reference.statistics("mlp", "").getModelStats(0).getExecutionCount());
    }

    private TensorlineException inPartsFailure(InferRequest request, int partRows) {
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, () -> reference.inferInParts(request, partRows).join());
        return org.junit.jupiter.api.Assertions.assertInstanceOf(TensorlineException.class, e.getCause());
    }

    @Test
    void aModelWithBytesInputsGetsABulkOfRequestsPerBatch(@TempDir Path dir) throws IOException {
        Path strings = TestRepository.of(dir.resolve("repo"), "identity_string");
        Path config = strings.resolve("identity_string/config.pbtxt");
        Files.writeString(config, Files.readString(config).replace("dims: [ -1 ]", "dims: [ 2 ]"));
        StringBuilder in = new StringBuilder();
        for (int r = 0; r < 11; r++) {
            in.append("{\"INPUT0\": [\"a").append(r).append("\", \"b").append(r).append("\"]}\n");
        }
        Path out = dir.resolve("out.jsonl");
        Run run = batchIn(strings, "-m", "identity_string", "--input",
                write(dir.resolve("in.jsonl"), in.toString()).toString(), "--output", out.toString());
        assertEquals(0, run.status, run.err);
        List<JsonObject> got = readJsonl(out);
        assertEquals(11, got.size());
        for (int r = 0; r < 11; r++) {
            assertEquals(r, got.get(r).get("row").getAsInt());
            JsonArray values = got.get(r).getAsJsonArray("OUTPUT0");
            assertEquals("a" + r, values.get(0).getAsString());
            assertEquals("b" + r, values.get(1).getAsString());
        }
    }

    @Test
    void aModelWithoutABatchDimensionIsAnsweredRowByRow(@TempDir Path dir) throws IOException {
        StringBuilder in = new StringBuilder();
        for (int r = 0; r < 7; r++) {
            in.append("{\"INPUT0\": [").append(r).append(", ").append(-r).append(", 0.5, ").append(r * 2)
                    .append("]}\n");
        }
        Path out = dir.resolve("out.jsonl");
        Run run = batch("-m", "nobatch_fixed", "--input", write(dir.resolve("in.jsonl"), in.toString()).toString(),
                "--output", out.toString());
        assertEquals(0, run.status, run.err);
        List<JsonObject> got = readJsonl(out);
        assertEquals(7, got.size());
        for (int r = 0; r < 7; r++) {
            float[] alone = reference.infer(InferRequest.builder("nobatch_fixed").input(InferTensor.fp32("INPUT0",
                    new float[] {r, -r, 0.5f, r * 2}, 2, 2)).build()).output("OUTPUT0").asFloats();
            var values = got.get(r).getAsJsonArray("OUTPUT0");
            assertEquals(r, got.get(r).get("row").getAsInt());
            assertEquals(4, values.size());
            for (int k = 0; k < 4; k++) {
                assertEquals(alone[k], values.get(k).getAsFloat(), "row " + r + " element " + k);
            }
        }
    }

    @Test
    void npyRows(@TempDir Path dir) throws IOException {
        Path in = npyInput(dir);
        Path out = dir.resolve("out.jsonl");
        Run r = batch("-m", "mlp", "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.status, r.err);
        assertMatchesExpected(readJsonl(out), List.of());
    }

    @Test
    void badRowsAreSkippedToTheErrorsFileWithTheirLine(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), jsonl(7, "{\"INPUT0\": [1, 2, \"x\", 4]}"));
        Path out = dir.resolve("out.jsonl");
        Run r = batch("-m", "mlp", "--input", in.toString(), "--output", out.toString(), "--on-error", "skip",
                "--chunk-rows", "5");
        assertEquals(0, r.status, r.err);
        assertMatchesExpected(readJsonl(out), List.of(7));
        List<String> errors = Files.readAllLines(dir.resolve("out.jsonl.errors.jsonl"));
        assertEquals(1, errors.size());
        JsonObject e = JsonParser.parseString(errors.get(0)).getAsJsonObject();
        assertEquals(7, e.get("row").getAsInt());
        assertEquals(8, e.get("line").getAsInt());
        assertTrue(e.get("error").getAsString().contains("expected: numbers"), errors.get(0));
    }

    @Test
    void aBadRowStopsTheRunKeepsFinishedChunksAndARerunResumes(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), jsonl(17, "{\"other\": 1}"));
        Path out = dir.resolve("out.jsonl");
        String[] args = {"-m", "mlp", "--input", in.toString(), "--output", out.toString(), "--chunk-rows", "5",
                "--in-flight", "1"};
        Run first = batch(args);
        assertEquals(1, first.status);
        assertTrue(first.err.contains("line 18: missing field 'INPUT0'"), first.err);
        assertFalse(Files.exists(out));
        Path parts = dir.resolve("out.jsonl.parts");
        for (int c = 0; c < 3; c++) {
            assertTrue(Files.exists(parts.resolve(String.format("chunk-%06d.out", c))), "chunk " + c);
        }
        // same job, now skipping the bad row: the three finished chunks are not redone
        String[] skip = java.util.Arrays.copyOf(args, args.length + 2);
        skip[args.length] = "--on-error";
        skip[args.length + 1] = "skip";
        Run second = batch(skip);
        assertEquals(0, second.status, second.err);
        assertTrue(second.out.contains("3 finished chunk(s) resumed"), second.out);
        assertTrue(second.out.contains(String.format(Locale.ROOT, "%,d rows scored", ROWS - 15 - 1)), second.out);
        assertMatchesExpected(readJsonl(out), List.of(17));
        assertFalse(Files.exists(parts));
    }

    @Test
    void partsOfAnotherJobAreNotMixedIn(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), jsonl(-1, null));
        Path out = dir.resolve("out.jsonl");
        Files.createDirectories(dir.resolve("out.jsonl.parts"));
        Files.writeString(dir.resolve("out.jsonl.parts/manifest"), "model=other\n");
        Run r = batch("-m", "mlp", "--input", in.toString(), "--output", out.toString());
        assertEquals(2, r.status);
        assertTrue(r.err.contains("--restart"), r.err);
        Run again = batch("-m", "mlp", "--input", in.toString(), "--output", out.toString(), "--restart");
        assertEquals(0, again.status, again.err);
        assertMatchesExpected(readJsonl(out), List.of());
    }

    @Test
    void remoteServerOverGrpcAndHttpGivesTheSameRows(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), jsonl(-1, null));
        Run grpc = batch("-m", "mlp", "--input", in.toString(), "--output", dir.resolve("g.jsonl").toString(),
                "-u", "127.0.0.1:" + reference.grpcPort(), "-i", "grpc");
        assertEquals(0, grpc.status, grpc.err);
        assertMatchesExpected(readJsonl(dir.resolve("g.jsonl")), List.of());
        Run http = batch("-m", "mlp", "--input", in.toString(), "--output", dir.resolve("h.jsonl").toString(),
                "-u", "http://127.0.0.1:" + reference.httpPort(), "-i", "http");
        assertEquals(0, http.status, http.err);
        assertMatchesExpected(readJsonl(dir.resolve("h.jsonl")), List.of());
    }

    @Test
    void usageErrorsSayWhatWasExpected(@TempDir Path dir) throws IOException {
        Path in = write(dir.resolve("in.jsonl"), jsonl(-1, null));
        Run noModel = batch("--input", in.toString(), "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, noModel.status);
        assertTrue(noModel.err.contains("--model is required"), noModel.err);
        Run badMap = batch("-m", "mlp", "--input", in.toString(), "--output", dir.resolve("o.jsonl").toString(),
                "--map", "NOPE=x");
        assertEquals(2, badMap.status);
        assertTrue(badMap.err.contains("does not have"), badMap.err);
        Run tooBig = batch("-m", "mlp", "--input", in.toString(), "--output", dir.resolve("o.jsonl").toString(),
                "--batch-size", "9");
        assertEquals(2, tooBig.status);
        assertTrue(tooBig.err.contains("max_batch_size 4"), tooBig.err);
    }

    private record Run(int status, String out, String err) {
    }

    private Run batch(String... args) {
        return batchIn(repo, args);
    }

    private static Run batchIn(Path repository, String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--model-repository";
        all[args.length + 1] = repository.toString();
        all[args.length + 2] = "--progress";
        all[args.length + 3] = "lines";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BatchMain.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The rows as JSON Lines; row {@code bad} (if >= 0) replaced by {@code badLine}. */
    private String jsonl(int bad, String badLine) {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < ROWS; r++) {
            if (r == bad) {
                b.append(badLine).append('\n');
                continue;
            }
            b.append("{\"id\": ").append(r).append(", \"INPUT0\": [").append(rows[r][0]).append(", ")
                    .append(rows[r][1]).append(", ").append(rows[r][2]).append(", ").append(rows[r][3]).append("]}\n");
        }
        return b.toString();
    }

    private void assertMatchesExpected(List<JsonObject> lines, List<Integer> missing) {
        List<Integer> rowsSeen = new ArrayList<>();
        for (JsonObject o : lines) {
            int r = o.get("row").getAsInt();
            rowsSeen.add(r);
            JsonArray a = o.getAsJsonArray("OUTPUT0");
            float[] got = new float[a.size()];
            for (int k = 0; k < got.length; k++) {
                got[k] = a.get(k).getAsFloat();
            }
            assertArrayEquals(expected[r], got, "row " + r);
        }
        List<Integer> want = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            if (!missing.contains(r)) {
                want.add(r);
            }
        }
        assertEquals(want, rowsSeen);
    }

    private static List<JsonObject> readJsonl(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }
}
