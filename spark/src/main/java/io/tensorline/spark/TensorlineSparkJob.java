package io.tensorline.spark;

import io.tensorline.proto.ModelMetadataResponse;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link TensorlineSpark#predict} over files, for {@code spark-submit --class io.tensorline.spark.TensorlineSparkJob}:
 * reads Parquet, CSV (with a header) or JSON (Lines), scores it and writes Parquet or JSON (Lines).
 *
 * <pre>
 * --model-repository PATH   repository root, at the same path on the driver and every executor (shared storage)
 * -m, --model NAME          model to run                    --model-version V  (default: the server's policy)
 * --input PATH              file or folder                  --input-format parquet|csv|json (default: by extension, else parquet)
 * --output PATH             folder written by Spark         --output-format parquet|json (default: parquet)
 * --input-columns A,B       columns fed to the model's inputs in order (default: the inputs' names)
 * --output-columns X,Y      columns for the model's outputs in order (default: the outputs' names)
 * --array NAME=a,b,c        first build array column NAME from scalar columns a, b, c (repeatable; e.g. for CSV)
 * --batch-rows N            rows a request (default: the model's max_batch_size)
 * --overwrite               replace an existing output (default: fail)
 * </pre>
 */
public final class TensorlineSparkJob {

    private TensorlineSparkJob() {
    }

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("tensorline-spark").getOrCreate();
        try {
            run(spark, args);
        } finally {
            spark.stop();
        }
    }

    /** Runs the job on {@code spark}; returns the rows written. Bad arguments: IllegalArgumentException. */
    public static long run(SparkSession spark, String[] args) {
        Map<String, List<String>> o = parse(args);
        String repository = required(o, "model-repository");
        String model = required(o, "model");
        String version = one(o, "model-version", "");
        String input = required(o, "input");
        String output = required(o, "output");
        String inFormat = one(o, "input-format", formatOf(input));
        String outFormat = one(o, "output-format", "parquet");
        int batchRows = Integer.parseInt(one(o, "batch-rows", "0"));
        if (!List.of("parquet", "csv", "json").contains(inFormat)) {
            throw new IllegalArgumentException("--input-format " + inFormat + " (expected: parquet, csv or json)");
        }
        if (!List.of("parquet", "json").contains(outFormat)) {
            throw new IllegalArgumentException("--output-format " + outFormat + " (expected: parquet or json)");
        }
        var reader = spark.read().format(inFormat);
        if (inFormat.equals("csv")) {
            reader = reader.option("header", "true").option("inferSchema", "true");
        }
        Dataset<Row> df = reader.load(input);
        for (String spec : o.getOrDefault("array", List.of())) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--array " + spec + " (expected: NAME=col1,col2,...)");
            }
            Column[] parts = Arrays.stream(spec.substring(eq + 1).split(",")).map(functions::col).toArray(Column[]::new);
            df = df.withColumn(spec.substring(0, eq), functions.array(parts));
        }
        ModelMetadataResponse meta = ExecutorServers.forModel(repository, model).modelMetadata(model, version);
        List<String> inputs = columns(o, "input-columns", meta.getInputsList());
        List<String> outputs = columns(o, "output-columns", meta.getOutputsList());
        Dataset<Row> scored = TensorlineSpark.predict(df, repository, model, version, inputs, outputs, batchRows)
                .cache();
        try {
            scored.write().mode(o.containsKey("overwrite") ? "overwrite" : "errorifexists").format(outFormat).save(output);
            return scored.count();
        } finally {
            scored.unpersist();
        }
    }

    private static List<String> columns(Map<String, List<String>> o, String flag,
                                        List<ModelMetadataResponse.TensorMetadata> tensors) {
        if (o.containsKey(flag)) {
            return List.of(one(o, flag, "").split(","));
        }
        return tensors.stream().map(ModelMetadataResponse.TensorMetadata::getName).toList();
    }

    private static String formatOf(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.endsWith(".csv")) {
            return "csv";
        }
        return p.endsWith(".json") || p.endsWith(".jsonl") ? "json" : "parquet";
    }

    private static final List<String> FLAGS = List.of("model-repository", "model", "model-version", "input",
            "input-format", "output", "output-format", "input-columns", "output-columns", "array", "batch-rows");

    private static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--overwrite")) {
                o.put("overwrite", List.of());
                continue;
            }
            String name = a.equals("-m") ? "model" : a.startsWith("--") ? a.substring(2) : null;
            String value = null;
            if (name != null && name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (name == null || !FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown argument '" + a + "' (flags: --" + String.join(", --", FLAGS)
                        + ", --overwrite)");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                value = args[++i];
            }
            o.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return o;
    }

    private static String required(Map<String, List<String>> o, String name) {
        if (!o.containsKey(name)) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return one(o, name, null);
    }

    private static String one(Map<String, List<String>> o, String name, String fallback) {
        List<String> v = o.get(name);
        if (v == null) {
            return fallback;
        }
        if (v.size() > 1) {
            throw new IllegalArgumentException("--" + name + " given " + v.size() + " times");
        }
        return v.get(0);
    }
}
