package io.tensorline.server.e2e;

import io.tensorline.server.cli.Main;
import io.tensorline.server.cli.MetricsOptions;
import io.tensorline.server.cli.ModelControlOptions;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.logging.LogSettings;
import io.tensorline.server.metrics.MetricsConfig;
import io.tensorline.server.repository.ModelControlMode;
import io.tensorline.server.trace.TraceConfig;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics port over real HTTP with {@code --metrics-config summary_latencies=true}, explicit model control and
 * an interval of 100 ms: Triton's latency summaries with the configured quantiles, {@code nv_model_load_duration_secs}
 * per loaded version (gone after an unload), the load-failure counter, the GPU metrics absent on a machine without a
 * GPU, and {@code nv_cpu_utilization} once a second sample is due.
 */
class MetricsExportEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, "add_sub");
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, "broken");
        Files.writeString(repo.resolve("broken/config.pbtxt"), "name: \"broken\"\nplatform: \"onnxruntime_onnx\"\n"
                + "default_model_filename: \"missing.onnx\"\n");
        Files.writeString(repo.resolve("add_sub/config.pbtxt"), Files.readString(repo.resolve("add_sub/config.pbtxt"))
                .replace("version_policy: { all { } }", "version_policy: { latest { num_versions: 1 } }"));
        ServeOptions serve = new ServeOptions(repo, "127.0.0.1", 0, "127.0.0.1", -1, 0, true, true,
                256 * 1024 * 1024, 64 * 1024 * 1024, 1L << 30, 100, true,
                new ModelControlOptions(List.of(repo), ModelControlMode.EXPLICIT, List.of("add_sub"), 0, 4, true, ""));
        MetricsOptions metrics = new MetricsOptions(true, MetricsConfig.parse(List.of("summary_latencies=true",
                "summary_quantiles=0.5:0.05,0.99:0.001")));
        server = TensorlineServer.start(serve, LogSettings.defaults(), NetworkOptions.defaults(),
                TraceConfig.defaults(), metrics);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static Optional<Double> value(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1)));
    }

    private static void infer() throws Exception {
        HttpResponse<String> r = post("/v2/models/add_sub/infer", "{\"inputs\":["
                + "{\"name\":\"INPUT0\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                + "{\"name\":\"INPUT1\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("[3.0,4.0,5.0,6.0]"), r.body());
    }

    /** The answer leaves before the success is counted: wait, bounded, for the count to reach {@code n}. */
    private static String scrapeOnceCounted(String series, double n) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String text = scrape();
        while (value(text, series).orElse(-1.0) < n && System.nanoTime() < until) {
            Thread.sleep(10);
            text = scrape();
        }
        return text;
    }

    @Test
    void summariesHaveTheConfiguredQuantilesAndCountWhatTheCountersCount() throws Exception {
        String labels = "{model=\"add_sub\",version=\"2\"";
        double before = value(scrape(), "nv_inference_request_success" + labels + "}").orElse(0.0);
        for (int i = 0; i < 5; i++) {
            infer();
        }
        String t = scrapeOnceCounted("nv_inference_request_summary_us_count" + labels + "}", before + 5);
        for (String name : List.of("nv_inference_request_summary_us", "nv_inference_queue_summary_us",
                "nv_inference_compute_input_summary_us", "nv_inference_compute_infer_summary_us",
                "nv_inference_compute_output_summary_us")) {
            assertTrue(t.contains("# TYPE " + name + " summary\n"), name + "\n" + t);
            assertTrue(value(t, name + labels + ",quantile=\"0.5\"}").orElseThrow() > 0, name);
            assertTrue(value(t, name + labels + ",quantile=\"0.99\"}").isPresent(), name);
            assertFalse(t.contains(name + labels + ",quantile=\"0.9\"}"), "only the configured quantiles: " + name);
            assertTrue(value(t, name + "_sum" + labels + "}").orElseThrow() > 0, name);
        }
        double successes = value(t, "nv_inference_request_success" + labels + "}").orElseThrow();
        assertEquals(successes, value(t, "nv_inference_request_summary_us_count" + labels + "}").orElseThrow());
        assertEquals(value(t, "nv_inference_compute_infer_duration_us" + labels + "}").orElseThrow(),
                value(t, "nv_inference_compute_infer_summary_us_sum" + labels + "}").orElseThrow(), 1.0);
    }

    @Test
    void loadDurationIsPerLoadedVersionAndGoesWithTheUnload() throws Exception {
        assertTrue(value(scrape(), "nv_model_load_duration_secs{model=\"add_sub\",version=\"2\"}").orElseThrow() > 0);
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, "second");
        Files.writeString(repo.resolve("second/config.pbtxt"), Files.readString(repo.resolve("second/config.pbtxt"))
                .replace("name: \"add_sub\"", "name: \"second\"")
                .replace("version_policy: { all { } }", "version_policy: { latest { num_versions: 1 } }"));
        assertEquals(200, post("/v2/repository/models/second/load", "{}").statusCode());
        String loaded = scrape();
        assertTrue(value(loaded, "nv_model_load_duration_secs{model=\"second\",version=\"2\"}").orElseThrow() > 0,
                loaded);
        assertTrue(loaded.contains("# TYPE nv_model_load_duration_secs gauge\n"), loaded);
        assertEquals(200, post("/v2/repository/models/second/unload", "{}").statusCode());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String t = scrape();
        while (t.contains("model=\"second\"") && System.nanoTime() < until) {
            Thread.sleep(10);
            t = scrape();
        }
        assertFalse(t.contains("nv_model_load_duration_secs{model=\"second\""), t);
        assertTrue(t.contains("nv_model_load_duration_secs{model=\"add_sub\",version=\"2\"}"), t);
    }

    @Test
    void failedLoadsAreCountedPerModel() throws Exception {
        HttpResponse<String> r = post("/v2/repository/models/broken/load", "{}");
        assertEquals(400, r.statusCode(), r.body());
        String t = scrape();
        assertTrue(t.contains("# TYPE tensorline_model_load_failures_total counter\n"), t);
        double first = value(t, "tensorline_model_load_failures_total{model=\"broken\"}").orElseThrow();
        assertEquals(400, post("/v2/repository/models/broken/load", "{}").statusCode());
        assertEquals(first + 1,
                value(scrape(), "tensorline_model_load_failures_total{model=\"broken\"}").orElseThrow());
        assertTrue(value(t, "tensorline_model_load_failures_total{model=\"add_sub\"}").isEmpty(), t);
    }

    @Test
    void gpuMetricsAreAbsentWithoutAGpu() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isDirectory(Path.of("/proc/driver/nvidia/gpus")),
                "this machine has an NVIDIA GPU");
        assertFalse(scrape().contains("nv_gpu_"));
        assertFalse(scrape().contains("nv_energy_consumption"));
    }

    @Test
    void cpuUtilizationAppearsOnceTheIntervalHasPassed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/stat")), "no /proc/stat");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String t = scrape();
        while (!t.contains("\nnv_cpu_utilization ") && System.nanoTime() < until) {
            Thread.sleep(20); // the 100 ms interval of this server, not the 2 s default
            t = scrape();
        }
        double u = value(t, "nv_cpu_utilization").orElseThrow();
        assertTrue(u >= 0 && u <= 1, t);
    }

    @Test
    void allowMetricsFalseOpensNoMetricsPort() throws Exception {
        ServeOptions o = ServeOptions.from(Main.serveFlags(repo).parse(new String[] {"--allow-metrics=false",
                "--model-repository=" + repo, "--model-control-mode=explicit", "--http-port=0", "--grpc-port=0",
                "--http-address=127.0.0.1", "--grpc-address=127.0.0.1"}));
        assertEquals(-1, o.metricsPort());
        try (TensorlineServer off = TensorlineServer.start(o)) {
            assertEquals(-1, off.metricsPort());
            assertTrue(off.startupLine().contains("metrics off"), off.startupLine());
        }
    }
}
