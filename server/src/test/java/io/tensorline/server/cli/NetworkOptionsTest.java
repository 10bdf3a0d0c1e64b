package io.tensorline.server.cli;

import io.tensorline.server.net.RestrictedApis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkOptionsTest {

    @TempDir
    Path dir;

    private static NetworkOptions parse(String... args) throws Flags.UsageException {
        Flags f = NetworkOptions.declare(ServeOptions.flags(Path.of(".")));
        f.parse(args);
        return NetworkOptions.from(f);
    }

    @Test
    void defaultsAreTritons() throws Exception {
        NetworkOptions o = parse();
        assertNull(o.grpcTls());
        assertNull(o.httpTls());
        assertNull(o.metricsTls());
        assertNull(o.metricsAddress());
        assertEquals(30, o.exitTimeoutSecs());
        assertEquals(7_200_000, o.grpc().keepAliveTimeMs());
        assertEquals(20_000, o.grpc().keepAliveTimeoutMs());
        assertFalse(o.grpc().permitKeepAliveWithoutCalls());
        assertEquals(300_000, o.grpc().minRecvPingIntervalMs());
        assertTrue(o.grpcRestricted().isEmpty());
    }

    @Test
    void tritonsTlsFlagsNameTheFiles() throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        Path root = Files.writeString(dir.resolve("r.pem"), "x");
        NetworkOptions o = parse("--grpc-use-ssl-mutual", "--grpc-server-cert=" + cert, "--grpc-server-key=" + key,
                "--grpc-root-cert=" + root, "--http-use-ssl=true", "--http-server-cert", cert.toString(),
                "--http-server-key", key.toString());
        assertTrue(o.grpcTls().mutual());
        assertEquals(root, o.grpcTls().root());
        assertFalse(o.httpTls().mutual());
        assertEquals(cert, o.httpTls().certificate());
        assertNull(o.metricsTls());
    }

    @Test
    void tlsWithoutItsFilesSaysWhichIsMissing() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class, () -> parse("--metrics-use-ssl"));
        assertEquals("--metrics-use-ssl needs --metrics-server-cert (expected: a PEM file)", e.getMessage());
        e = assertThrows(Flags.UsageException.class, () -> parse("--http-use-ssl",
                "--http-server-cert=/nonexistent.pem", "--http-server-key=/nonexistent.pem"));
        assertEquals("--http-server-cert=/nonexistent.pem is not a readable file (expected: a PEM file)",
                e.getMessage());
    }

    @Test
    void restrictedApisAreParsedPerPort() throws Exception {
        NetworkOptions o = parse("--grpc-restricted-protocol=inference:k=v", "--grpc-restricted-protocol=health:h=1",
                "--http-restricted-api=model-repository:admin=x", "--metrics-restricted-api=metrics:m=1");
        assertEquals("k", o.grpcRestricted().rule(RestrictedApis.Group.INFERENCE).header());
        assertEquals("h", o.grpcRestricted().rule(RestrictedApis.Group.HEALTH).header());
        assertEquals("admin", o.httpRestricted().rule(RestrictedApis.Group.MODEL_REPOSITORY).header());
        assertEquals("m", o.metricsRestricted().rule(RestrictedApis.Group.METRICS).header());
        Flags.UsageException e = assertThrows(Flags.UsageException.class,
                () -> parse("--grpc-restricted-protocol=inferencing:k=v"));
        assertEquals("unknown restricted protocol 'inferencing'", e.getMessage());
    }

    @Test
    void bindAddressesAndLimitsAreFlags() throws Exception {
        NetworkOptions o = parse("--metrics-address=127.0.0.1", "--exit-timeout-secs=5",
                "--grpc-max-concurrent-streams=8", "--grpc-stream-max-inflight=2", "--max-inflight-requests=10");
        assertEquals("127.0.0.1", o.metricsAddress());
        assertEquals(5, o.exitTimeoutSecs());
        assertEquals(8, o.grpc().maxConcurrentCallsPerConnection());
        assertEquals(2, o.grpc().streamMaxInFlight());
        assertEquals(10, o.maxInFlightRequests());
    }
}
