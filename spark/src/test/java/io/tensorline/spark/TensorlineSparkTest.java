package io.tensorline.spark;

import io.tensorline.Tensorline;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferTensor;
import io.tensorline.proto.ModelStatistics;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scoring on a local Spark session ({@code local[2]}) against the bundled mlp, checked row by row against the server. */
class TensorlineSparkTest {

    private static final String REPOSITORY = Path.of("../model-repository").toAbsolutePath().normalize().toString();
    private static final int ROWS = 50;

    private static SparkSession spark;
    private static Tensorline reference;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("tensorline-spark-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        // a server of its own, fed one row per request: what Spark returns must equal what it answers
        reference = Tensorline.builder().modelRepository(Path.of(REPOSITORY))
                .flag("model-control-mode", "explicit").flag("load-model", "mlp").build();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        reference.close();
        ExecutorServers.closeAll();
    }

    /** ROWS rows (id, features: array<float> of 4) of seeded random data in 3 partitions. */
    private static Dataset<Row> rows() {
        Random random = new Random(13);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            float[] f = new float[4];
            for (int k = 0; k < 4; k++) {
                f[k] = random.nextFloat() * 4 - 2;
            }
            rows.add(RowFactory.create((long) i, f));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3), schema);
    }

    private static float[] expected(List<?> features) {
        float[] in = new float[features.size()];
        for (int k = 0; k < in.length; k++) {
            in[k] = ((Number) features.get(k)).floatValue();
        }
        return reference.infer(InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", in, 1, 4)).build())
                .output("OUTPUT0").asFloats();
    }

    private static float[] floats(List<?> cell) {
        float[] out = new float[cell.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = ((Number) cell.get(k)).floatValue();
        }
        return out;
    }

    private static ModelStatistics stats() {
        return ExecutorServers.forModel(REPOSITORY, "mlp").statistics("mlp", "").getModelStats(0);
    }

    @Test
    void predictAppendsTheServersOutputsInBatchesOnOneServerPerJvm() {
        Dataset<Row> in = rows();
        Dataset<Row> scored = TensorlineSpark.predict(in, REPOSITORY, "mlp", List.of("features"), List.of("scores"));
        assertEquals(List.of("id", "features", "scores"), List.of(scored.schema().fieldNames()));
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false), scored.schema().apply("scores").dataType());
        long requestsBefore = stats().getInferenceStats().getSuccess().getCount();
        long rowsBefore = stats().getInferenceCount();
        int starts = ExecutorServers.starts();

        List<Row> out = new ArrayList<>(scored.collectAsList());
        out.sort(Comparator.comparingLong(r -> r.getLong(0)));
        assertEquals(ROWS, out.size());
        for (int i = 0; i < ROWS; i++) {
            Row r = out.get(i);
            assertEquals(i, r.getLong(0));
            float[] want = expected(r.getList(1));
            assertEquals(3, want.length);
            assertArrayEquals(want, floats(r.getList(2)), 1e-6f, "row " + i);
        }
        long requests = stats().getInferenceStats().getSuccess().getCount() - requestsBefore;
        assertEquals(ROWS, stats().getInferenceCount() - rowsBefore, "every row scored once");
        int maxBatch = ExecutorServers.forModel(REPOSITORY, "mlp").modelConfig("mlp", "").getMaxBatchSize();
        assertTrue(maxBatch > 1, "mlp batches");
        // 3 partitions of ~17 rows, cut at max_batch_size: never a request per row
        assertTrue(requests <= 3 * ((ROWS / 3 + 1 + maxBatch - 1) / maxBatch), requests + " requests");
        assertTrue(requests < ROWS, requests + " requests for " + ROWS + " rows");

        // a second job on the same JVM reuses the server
        assertEquals(ROWS, TensorlineSpark.predict(in, REPOSITORY, "mlp", List.of("features"), List.of("s")).count());
        assertEquals(starts, ExecutorServers.starts(), "no second server in this JVM");
        assertEquals(1, ExecutorServers.starts());
    }

    @Test
    void smallerBatchesAndScalarColumnsGiveTheSameOutputs() {
        Dataset<Row> in = rows().selectExpr("id", "features", "features[0] AS a", "features[1] AS b",
                "features[2] AS c", "features[3] AS d", "array(cast(features[0] AS double), features[1], features[2], "
                        + "features[3]) AS wide");
        long before = stats().getInferenceStats().getSuccess().getCount();
        List<Row> out = TensorlineSpark.predict(in, REPOSITORY, "mlp", "", List.of("wide"), List.of("scores"), 2)
                .collectAsList();
        assertTrue(stats().getInferenceStats().getSuccess().getCount() - before >= ROWS / 2, "batches of 2 rows");
        for (Row r : out) {
            assertArrayEquals(expected(r.getList(1)), floats(r.getList(r.fieldIndex("scores"))), 1e-6f);
        }
    }

    @Test
    void readmeExampleRunsAsReadmeShowsIt(@TempDir Path dir) throws IOException {
        String input = dir.resolve("rows.parquet").toString();
        String output = dir.resolve("scores.parquet").toString();
        String repository = REPOSITORY;
        rows().write().parquet(input);
        // README spark
        Dataset<Row> rows = spark.read().parquet(input);            // "features": array<float>, 4 a row
        Dataset<Row> scored = TensorlineSpark.predict(rows, repository, "mlp",
                List.of("features"), List.of("scores"));             // appends "scores": array<float>, 3 a row
        scored.write().parquet(output);
        // README end
        for (Row r : spark.read().parquet(output).collectAsList()) {
            assertArrayEquals(expected(r.getList(1)), floats(r.getList(2)), 1e-6f);
        }
        String source = Files.readString(Path.of("src/test/java/io/tensorline/spark/TensorlineSparkTest.java"));
        String body = source.substring(source.indexOf("// README spark\n") + "// README spark\n".length(),
                source.indexOf("        // README end"));
        String snippet = body.lines().map(l -> l.substring(Math.min(8, l.length())))
                .collect(Collectors.joining("\n", "", "\n"));
        assertTrue(Files.readString(Path.of("../README.md")).contains(snippet), "README.md lacks:\n" + snippet);
    }

    @Test
    void badColumnsAreRefusedWithTheReason() {
        Dataset<Row> in = rows();
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () ->
                TensorlineSpark.predict(in, REPOSITORY, "mlp", List.of("features", "id"), List.of("scores")));
        assertTrue(count.getMessage().contains("takes 1 inputs [INPUT0], got 2"), count.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () ->
                TensorlineSpark.predict(in, REPOSITORY, "mlp", List.of("nope"), List.of("scores")));
        assertTrue(missing.getMessage().contains("no column 'nope'"), missing.getMessage());
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class, () ->
                TensorlineSpark.predict(in, REPOSITORY, "mlp", List.of("features"), List.of("id")));
        assertTrue(clash.getMessage().contains("'id' is already a column"), clash.getMessage());
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () ->
                TensorlineSpark.predict(in, REPOSITORY, "mlp", "", List.of("features"), List.of("s"), 100_000));
        assertTrue(batch.getMessage().contains("max_batch_size"), batch.getMessage());

        // 3 elements where the model takes 4: the task fails, saying why
        Dataset<Row> short3 = in.selectExpr("id", "slice(features, 1, 3) AS f3");
        SparkException e = assertThrows(SparkException.class, () ->
                TensorlineSpark.predict(short3, REPOSITORY, "mlp", List.of("f3"), List.of("s")).collectAsList());
        assertTrue(e.getMessage().contains("column 'f3' holds 3 elements per row, input 'INPUT0' takes shape [4]"),
                e.getMessage());
        Dataset<Row> nulls = in.selectExpr("id", "IF(id = 7, NULL, features) AS f");
        SparkException n = assertThrows(SparkException.class, () ->
                TensorlineSpark.predict(nulls, REPOSITORY, "mlp", List.of("f"), List.of("s")).collectAsList());
        assertTrue(n.getMessage().contains("column 'f' is null in row [7,null]"), n.getMessage());
    }

    @Test
    void jobScoresCsvToParquetAndJsonToJson(@TempDir Path dir) throws IOException {
        List<Row> rows = rows().collectAsList();
        StringBuilder csv = new StringBuilder("id,a,b,c,d\n");
        StringBuilder json = new StringBuilder();
        for (Row r : rows) {
            List<Object> f = r.getList(1);
            csv.append(r.getLong(0)).append(',').append(f.stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .append('\n');
            json.append("{\"id\":").append(r.getLong(0)).append(",\"INPUT0\":").append(f).append("}\n");
        }
        Files.writeString(dir.resolve("rows.csv"), csv);
        Files.writeString(dir.resolve("rows.jsonl"), json);

        long n = TensorlineSparkJob.run(spark, new String[] {"--model-repository", REPOSITORY, "-m", "mlp",
            "--input", dir.resolve("rows.csv").toString(), "--array", "features=a,b,c,d", "--input-columns", "features",
            "--output-columns", "scores", "--output", dir.resolve("out.parquet").toString()});
        assertEquals(ROWS, n);
        List<Row> parquet = spark.read().parquet(dir.resolve("out.parquet").toString()).collectAsList();
        assertEquals(ROWS, parquet.size());
        for (Row r : parquet) {
            assertArrayEquals(expected(r.getList(r.fieldIndex("features"))), floats(r.getList(r.fieldIndex("scores"))),
                    1e-6f);
        }

        // JSON in, JSON out, the model's own input and output names as columns
        TensorlineSparkJob.run(spark, new String[] {"--model-repository=" + REPOSITORY, "--model=mlp",
            "--input", dir.resolve("rows.jsonl").toString(), "--output-format", "json",
            "--output", dir.resolve("out.json").toString()});
        List<Row> back = spark.read().json(dir.resolve("out.json").toString()).collectAsList();
        assertEquals(ROWS, back.size());
        for (Row r : back) {
            assertArrayEquals(expected(r.getList(r.fieldIndex("INPUT0"))), floats(r.getList(r.fieldIndex("OUTPUT0"))),
                    1e-6f);
        }

        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TensorlineSparkJob.run(spark,
                new String[] {"--model-repository", REPOSITORY, "-m", "mlp", "--input", "x.csv", "--output", "y",
                    "--output-format", "csv"}));
        assertTrue(bad.getMessage().contains("--output-format csv (expected: parquet or json)"), bad.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () ->
                TensorlineSparkJob.run(spark, new String[] {"-m", "mlp"}));
        assertEquals("--model-repository is required", missing.getMessage());
    }
}
