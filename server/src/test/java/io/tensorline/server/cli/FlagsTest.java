package io.tensorline.server.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlagsTest {

    private static Flags serveFlags() {
        return ServeOptions.flags(Path.of("."));
    }

    @Test
    void acceptsBothValueForms() throws Exception {
        Flags f = serveFlags().parse(new String[] {"--http-port=9000", "--grpc-port", "9001", "--exit-on-error=false"});
        ServeOptions o = ServeOptions.from(f);
        assertEquals(9000, o.httpPort());
        assertEquals(9001, o.grpcPort());
        assertFalse(o.exitOnError());
        assertTrue(o.autoComplete());
    }

    @Test
    void defaultsFollowTriton() throws Exception {
        ServeOptions o = ServeOptions.from(serveFlags().parse(new String[0]));
        assertEquals(8000, o.httpPort());
        assertEquals(8001, o.grpcPort());
        assertEquals(8002, o.metricsPort());
        assertTrue(o.exitOnError());
    }

    @Test
    void strictConfigTurnsOffAutoComplete() throws Exception {
        assertFalse(ServeOptions.from(serveFlags().parse(new String[] {"--strict-model-config"})).autoComplete());
        assertFalse(ServeOptions.from(serveFlags().parse(new String[] {"--disable-auto-complete-config=true"}))
                .autoComplete());
    }

    @Test
    void disabledEndpointsHavePortMinusOne() throws Exception {
        ServeOptions o = ServeOptions.from(serveFlags().parse(new String[] {"--allow-http=false"}));
        assertEquals(-1, o.httpPort());
    }

    @Test
    void maxTensorBytesIsParsedAsALongWithADefault() throws Exception {
        assertEquals(Integer.MAX_VALUE, ServeOptions.from(serveFlags().parse(new String[0])).maxTensorBytes());
        assertEquals(8_000_000_000L, ServeOptions.from(serveFlags().parse(
                new String[] {"--max-tensor-bytes=8000000000"})).maxTensorBytes());
        assertThrows(Flags.UsageException.class,
                () -> ServeOptions.from(serveFlags().parse(new String[] {"--max-tensor-bytes=0"})));
    }

    @Test
    void clientSharedMemoryIsOffUnlessAllowed() throws Exception {
        assertFalse(ServeOptions.from(serveFlags().parse(new String[0])).allowClientShm());
        assertFalse(ServeOptions.from(serveFlags().parse(new String[] {"--allow-client-shm=false"})).allowClientShm());
        assertTrue(ServeOptions.from(serveFlags().parse(new String[] {"--allow-client-shm=true"})).allowClientShm());
    }

    @Test
    void unknownFlagsAreRejected() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class,
                () -> serveFlags().parse(new String[] {"--no-such-flag=1"}));
        assertEquals("unknown flag --no-such-flag (see --help)", e.getMessage());
    }

    @Test
    void badNumbersNameTheRange() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class,
                () -> ServeOptions.from(serveFlags().parse(new String[] {"--http-port=70000"})));
        assertEquals("--http-port=70000 (expected: an integer from 0 to 65535)", e.getMessage());
    }

    @Test
    void badBooleansAreRejected() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class,
                () -> serveFlags().parse(new String[] {"--exit-on-error=maybe"}));
        assertEquals("--exit-on-error=maybe (expected: true or false)", e.getMessage());
    }

    @Test
    void aMissingRepositoryIsReported() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class,
                () -> ServeOptions.from(serveFlags().parse(new String[] {"--model-repository=/no/such/dir"})));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void repeatableFlagsCollectEveryValue() throws Exception {
        Flags f = new Flags().declareRepeatable("shape", "NAME:DIMS", "a shape")
                .parse(new String[] {"--shape=a:1", "--shape", "b:2"});
        assertEquals(List.of("a:1", "b:2"), f.getAll("shape"));
    }

    @Test
    void modelControlModesFollowTritonsNamesAndDefaults() throws Exception {
        ModelControlOptions o = ServeOptions.from(serveFlags().parse(new String[0])).modelControl();
        assertEquals(io.tensorline.server.repository.ModelControlMode.NONE, o.mode());
        assertEquals(0, o.pollSecs(), "forced to 0 outside poll mode");
        assertEquals(4, o.loadThreads());
        assertTrue(o.strictReadiness());
        o = ServeOptions.from(serveFlags().parse(new String[] {"--model-control-mode=POLL"})).modelControl();
        assertEquals(io.tensorline.server.repository.ModelControlMode.POLL, o.mode());
        assertEquals(15, o.pollSecs());
        o = ServeOptions.from(serveFlags().parse(new String[] {"--model-control-mode=explicit", "--load-model=a",
                "--load-model", "b", "--strict-readiness=false", "--model-config-name=prod",
                "--model-load-thread-count=2", "--model-repository=.", "--model-repository=."})).modelControl();
        assertEquals(List.of("a", "b"), o.loadModels());
        assertEquals(2, o.repositories().size());
        assertEquals("prod", o.configName());
        assertEquals(2, o.loadThreads());
        assertFalse(o.strictReadiness());
    }

    @Test
    void modelControlMisuseGetsTritonsMessages() {
        assertEquals("invalid argument for --model-control-mode: 'sometimes' (expected: none, poll or explicit)",
                usageError("--model-control-mode=sometimes"));
        assertEquals("Use of '--load-model' requires setting '--model-control-mode=explicit' as well.",
                usageError("--load-model=a"));
        assertEquals("Wildcard model name '*' must be the ONLY startup model if specified at all.",
                usageError("--model-control-mode=explicit", "--load-model=*", "--load-model=a"));
        assertTrue(usageError("--model-config-name=").startsWith("--model-config-name= (expected"));
    }

    private String usageError(String... args) {
        return assertThrows(Flags.UsageException.class,
                () -> ServeOptions.from(serveFlags().parse(args))).getMessage();
    }

    @Test
    void cacheConfigSetsTheResponseCacheBudget() throws Exception {
        assertEquals(0, ServeOptions.from(serveFlags().parse(new String[0])).cacheBytes());
        assertEquals(1048576, ServeOptions.from(serveFlags().parse(new String[] {"--cache-config",
                "local,size=1048576"})).cacheBytes());
        assertEquals(4096, ServeOptions.from(serveFlags().parse(new String[] {"--response-cache-byte-size=4096"}))
                .cacheBytes());
        Flags.UsageException both = org.junit.jupiter.api.Assertions.assertThrows(Flags.UsageException.class,
                () -> ServeOptions.from(serveFlags().parse(new String[] {"--response-cache-byte-size=4096",
                        "--cache-config=local,size=4096"})));
        assertEquals("Error: Incompatible flags --response-cache-byte-size and --cache-config both provided.",
                both.getMessage());
    }
}
