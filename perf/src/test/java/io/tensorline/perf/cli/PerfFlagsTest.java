package io.tensorline.perf.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerfFlagsTest {

    private static PerfOptions parse(String... args) throws UsageException {
        return PerfFlags.parse(args);
    }

    private static String error(String... args) {
        return assertThrows(UsageException.class, () -> PerfFlags.parse(args)).getMessage();
    }

    private static List<Double> values(PerfOptions o) {
        return o.levels().stream().map(LoadLevel::value).toList();
    }

    @Test
    void defaultsFollowPerfAnalyzer() throws Exception {
        PerfOptions o = parse("-m", "echo");
        assertEquals("echo", o.model());
        assertEquals("", o.version());
        assertEquals(Protocol.GRPC, o.protocol());
        assertEquals("localhost", o.host());
        assertEquals(8001, o.port());
        assertEquals(1, o.batchSize());
        assertEquals(List.of(1.0), values(o));
        assertEquals(LoadMode.CONCURRENCY, o.mode());
        assertEquals(5000, o.measurementIntervalMs());
        assertEquals(0, o.measurementRequestCount());
        assertEquals(10.0, o.stabilityPercentage());
        assertEquals(10, o.maxTrials());
        assertEquals(0, o.warmupRequestCount());
        assertTrue(o.percentile().isEmpty());
        assertEquals(InputDataSpec.Kind.RANDOM, o.inputData().kind());
        assertTrue(o.async());
        assertTrue(o.httpBinary());
        assertTrue(o.csvFile().isEmpty());
        assertTrue(o.reportFile().isEmpty());
    }

    @Test
    void httpDefaultsToPort8000() throws Exception {
        PerfOptions o = parse("-m", "echo", "-i", "http");
        assertEquals(Protocol.HTTP, o.protocol());
        assertEquals(8000, o.port());
    }

    @Test
    void concurrencyRangeStepCountsUp() throws Exception {
        assertEquals(List.of(1.0, 3.0, 5.0, 7.0), values(parse("-m", "m", "--concurrency-range", "1:8:2")));
    }

    @Test
    void concurrencyRangeWithStartOnlyIsOneLevel() throws Exception {
        assertEquals(List.of(64.0), values(parse("-m", "m", "--concurrency-range", "64")));
    }

    @Test
    void concurrencyRangeWithoutStepStepsByOne() throws Exception {
        assertEquals(List.of(2.0, 3.0, 4.0), values(parse("-m", "m", "--concurrency-range=2:4")));
    }

    @Test
    void requestRateRangeDoesNotDriftPastEnd() throws Exception {
        PerfOptions o = parse("-m", "m", "--request-rate-range", "0.1:0.3:0.1");
        assertEquals(3, o.levels().size());
        assertEquals(LoadMode.REQUEST_RATE, o.mode());
        assertEquals("0.3", o.levels().get(2).display());
        assertEquals(List.of(100.0, 200.0, 300.0), values(parse("-m", "m", "--request-rate-range", "100:300:100")));
    }

    @Test
    void endBelowStartIsRejected() {
        assertEquals("--concurrency-range 8:1: END 1 is below START 8 (expected: END >= START)",
                error("-m", "m", "--concurrency-range", "8:1"));
    }

    @Test
    void zeroStepIsRejected() {
        assertTrue(error("-m", "m", "--concurrency-range", "1:8:0").contains("STEP is 0 (expected: >= 1)"));
    }

    @Test
    void nonNumericRangeIsRejected() {
        String msg = error("-m", "m", "--concurrency-range", "a:4");
        assertTrue(msg.contains("START 'a' is not a whole number"), msg);
    }

    @Test
    void zeroConcurrencyIsRejected() {
        assertTrue(error("-m", "m", "--concurrency-range", "0:4").contains("(expected: >= 1)"));
    }

    @Test
    void tooManyRangePartsAreRejected() {
        assertTrue(error("-m", "m", "--concurrency-range", "1:2:3:4").contains("expected: START[:END[:STEP]]"));
    }

    @Test
    void bothRangesAreRejected() {
        assertTrue(error("-m", "m", "--concurrency-range", "1", "--request-rate-range", "10")
                .contains("both given (expected: one)"));
    }

    @Test
    void modelIsRequired() {
        assertTrue(error("--concurrency-range", "1").contains("-m MODEL is required"));
    }

    @Test
    void unknownProtocolSaysWhatIsExpected() {
        assertEquals("-i udp (expected: grpc or http)", error("-m", "m", "-i", "udp"));
    }

    @Test
    void unknownFlagIsRejected() {
        assertEquals("unknown flag --bogus (see --help)", error("-m", "m", "--bogus", "1"));
    }

    @Test
    void missingValueIsRejected() {
        assertEquals("-b needs a value (see --help)", error("-m", "m", "-b"));
    }

    @Test
    void badNumbersNameTheirRange() {
        assertEquals("-b 0 (expected: 1 to 2147483647)", error("-m", "m", "-b", "0"));
        assertEquals("--percentile 100 (expected: -1 to 99)", error("-m", "m", "--percentile", "100"));
        assertEquals("--stability-percentage -5 (expected: a number > 0, in percent)",
                error("-m", "m", "--stability-percentage", "-5"));
        assertEquals("--max-trials x is not a whole number (expected: 1 to 1000000)", error("-m", "m", "--max-trials", "x"));
    }

    @Test
    void urlMustBeHostAndPort() {
        assertTrue(error("-m", "m", "-u", "http://localhost:8000").contains("(expected: HOST:PORT"));
        assertTrue(error("-m", "m", "-u", "localhost").contains("(expected: HOST:PORT"));
        assertTrue(error("-m", "m", "-u", "localhost:99999").contains("(expected: 1 to 65535)"));
    }

    @Test
    void shortFlagsTakeAttachedValuesAndAliases() throws Exception {
        PerfOptions o = parse("-mecho", "-b8", "-p", "3000", "-s", "5", "-r", "4", "-x", "2", "-u", "host:9100");
        assertEquals("echo", o.model());
        assertEquals(8, o.batchSize());
        assertEquals(3000, o.measurementIntervalMs());
        assertEquals(5.0, o.stabilityPercentage());
        assertEquals(4, o.maxTrials());
        assertEquals("2", o.version());
        assertEquals("host:9100", o.target());
    }

    @Test
    void shapesAreParsedPerInput() throws Exception {
        PerfOptions o = parse("-m", "m", "--shape", "INPUT0:3,224,224", "--shape", "ids:16");
        assertArrayEquals(new long[] {3, 224, 224}, o.shapes().get("INPUT0"));
        assertArrayEquals(new long[] {16}, o.shapes().get("ids"));
    }

    @Test
    void badShapesAreRejected() {
        assertTrue(error("-m", "m", "--shape", "INPUT0").contains("(expected: NAME:D1,D2,..."));
        assertTrue(error("-m", "m", "--shape", "INPUT0:3,x").contains("is not a whole number"));
        assertTrue(error("-m", "m", "--shape", "A:1", "--shape", "A:2").contains("given twice for input 'A'"));
    }

    @Test
    void syncAndAsync() throws Exception {
        assertFalse(parse("-m", "m", "--sync").async());
        assertTrue(parse("-m", "m", "-a").async());
        assertTrue(error("-m", "m", "--sync", "--async").contains("both given"));
        assertTrue(error("-m", "m", "--sync", "--request-rate-range", "10").contains("--sync applies to --concurrency-range"));
    }

    @Test
    void requestDistributionNeedsRequestRate() throws Exception {
        assertEquals(Distribution.POISSON,
                parse("-m", "m", "--request-rate-range", "10", "--request-distribution", "poisson").distribution());
        assertTrue(error("-m", "m", "--request-distribution", "poisson").contains("--request-rate-range only"));
        assertTrue(error("-m", "m", "--request-rate-range", "10", "--request-distribution", "burst")
                .contains("(expected: constant or poisson)"));
    }

    @Test
    void outputsInputDataAndHttpBinary() throws Exception {
        PerfOptions o = parse("-m", "m", "-f", "out.csv", "--report", "r.html", "--input-data", "data.json",
                "--http-binary", "false", "--percentile", "95", "--measurement-mode", "count_windows",
                "--measurement-request-count", "100", "--warmup-request-count", "500");
        assertEquals(500, o.warmupRequestCount());
        assertEquals(Path.of("out.csv"), o.csvFile().orElseThrow());
        assertEquals(Path.of("r.html"), o.reportFile().orElseThrow());
        assertEquals(Path.of("data.json"), o.inputData().file());
        assertFalse(o.httpBinary());
        assertEquals(95, o.percentile().getAsInt());
        assertEquals(100, o.measurementRequestCount());
        assertEquals(InputDataSpec.Kind.ZERO, parse("-m", "m", "--input-data", "zero").inputData().kind());
        assertTrue(error("-m", "m", "--http-binary", "maybe").contains("(expected: true or false)"));
        assertTrue(error("-m", "m", "--measurement-mode", "windows").contains("time_windows or count_windows"));
    }

    @Test
    void helpIsFoundAnywhere() {
        assertTrue(PerfFlags.wantsHelp(new String[] {"-m", "x", "--help"}));
        assertTrue(PerfFlags.wantsHelp(new String[] {"-h"}));
        assertFalse(PerfFlags.wantsHelp(new String[] {"-m", "h"}));
        assertTrue(PerfFlags.help().contains("--concurrency-range"));
    }
}
