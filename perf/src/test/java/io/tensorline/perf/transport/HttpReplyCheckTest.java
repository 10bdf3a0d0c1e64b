package io.tensorline.perf.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorline.client.InferCodec;
import io.tensorline.perf.input.InputSet;
import io.tensorline.perf.input.TensorData;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client-encoded infer bodies perf sends, and perf's check of the replies. */
class HttpReplyCheckTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private static TensorData fp32(String name, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new TensorData(name, "FP32", new long[] {1, values.length}, b.array());
    }

    @Test
    void binaryBodyIsAJsonHeaderFollowedByTheRawTensors() throws Exception {
        TensorData a = fp32("A", 1, 2);
        TensorData b = fp32("B", 3);
        InferCodec.RestBody body = HttpTransport.body(new InputSet(List.of(a, b)), true);
        JsonNode header = mapper.readTree(Arrays.copyOf(body.bytes(), body.jsonLength()));
        assertEquals(8, header.at("/inputs/0/parameters/binary_data_size").asInt());
        assertEquals(4, header.at("/inputs/1/parameters/binary_data_size").asInt());
        assertEquals("[1,2]", header.at("/inputs/0/shape").toString());
        assertTrue(header.at("/parameters/binary_data_output").asBoolean());
        assertTrue(header.at("/inputs/0/data").isMissingNode());
        byte[] tail = Arrays.copyOfRange(body.bytes(), body.jsonLength(), body.bytes().length);
        byte[] expected = new byte[12];
        System.arraycopy(a.raw(), 0, expected, 0, 8);
        System.arraycopy(b.raw(), 0, expected, 8, 4);
        assertArrayEquals(expected, tail);
    }

    @Test
    void jsonBodyCarriesTheValues() throws Exception {
        TensorData s = new TensorData("S", "BYTES", new long[] {1}, new byte[] {2, 0, 0, 0, 'h', 'i'});
        TensorData u = new TensorData("U", "UINT64", new long[] {1}, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1});
        InferCodec.RestBody body = HttpTransport.body(new InputSet(List.of(fp32("A", 1.5f), s, u)), false);
        assertEquals(-1, body.jsonLength());
        JsonNode json = mapper.readTree(body.bytes());
        assertEquals("[1.5]", json.at("/inputs/0/data").toString());
        assertEquals("[\"hi\"]", json.at("/inputs/1/data").toString());
        assertEquals("18446744073709551615", json.at("/inputs/2/data/0").asText());
        assertTrue(json.at("/parameters").isMissingNode());
    }

    @Test
    void halfPrecisionGoesBinaryEvenInAJsonBody() throws Exception {
        TensorData h = new TensorData("H", "FP16", new long[] {1}, new byte[] {0, 0x3C});
        InferCodec.RestBody body = HttpTransport.body(new InputSet(List.of(fp32("A", 2f), h)), false);
        JsonNode header = mapper.readTree(Arrays.copyOf(body.bytes(), body.jsonLength()));
        assertEquals("[2.0]", header.at("/inputs/0/data").toString());
        assertEquals(2, header.at("/inputs/1/parameters/binary_data_size").asInt());
        assertArrayEquals(new byte[] {0, 0x3C}, Arrays.copyOfRange(body.bytes(), body.jsonLength(), body.bytes().length));
    }

    @Test
    void goodRepliesPassTheCheck() {
        byte[] json = "{\"outputs\":[{\"name\":\"O\",\"parameters\":{\"binary_data_size\":4}}]}".getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(json, json.length + 4);
        assertNull(HttpReplyCheck.check(200, body, json.length, mapper));
        assertNull(HttpReplyCheck.check(200, "{\"outputs\":[{\"data\":[1]}]}".getBytes(StandardCharsets.UTF_8), -1, mapper));
    }

    @Test
    void badRepliesSayWhatIsWrong() {
        assertEquals("HTTP 400: input 'X' has datatype INT32 (expected: FP32)", HttpReplyCheck.check(400,
                "{\"error\":\"input 'X' has datatype INT32 (expected: FP32)\"}".getBytes(StandardCharsets.UTF_8), -1, mapper));
        assertEquals("HTTP 503: (empty body)", HttpReplyCheck.check(503, new byte[0], -1, mapper));
        byte[] json = "{\"outputs\":[{\"parameters\":{\"binary_data_size\":8}}]}".getBytes(StandardCharsets.UTF_8);
        assertEquals("reply declares 8 bytes of binary outputs but carries 4",
                HttpReplyCheck.check(200, Arrays.copyOf(json, json.length + 4), json.length, mapper));
        assertTrue(HttpReplyCheck.check(200, "{}".getBytes(StandardCharsets.UTF_8), -1, mapper).startsWith("reply has no"));
    }

    @Test
    void statisticsPickTheRequestedOrHighestVersion() {
        List<String> names = List.of("m", "m", "other", "m");
        List<String> versions = List.of("1", "3", "9", "2");
        assertEquals(1, StatsVersion.pick(names, versions, "m", ""));
        assertEquals(3, StatsVersion.pick(names, versions, "m", "2"));
        assertEquals(-1, StatsVersion.pick(names, versions, "m", "7"));
        assertEquals(-1, StatsVersion.pick(names, versions, "absent", ""));
    }

    @Test
    void connectionLimiterQueuesBeyondTheLimitAndStartsOnRelease() {
        ConnectionLimiter limiter = new ConnectionLimiter(2);
        int[] started = {0};
        for (int i = 0; i < 5; i++) {
            limiter.submit(() -> started[0]++);
        }
        assertEquals(2, started[0]);
        limiter.release();
        assertEquals(3, started[0]);
        limiter.release();
        limiter.release();
        assertEquals(5, started[0]);
    }
}
