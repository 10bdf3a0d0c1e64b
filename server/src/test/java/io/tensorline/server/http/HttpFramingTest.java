package io.tensorline.server.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request smuggling and oversized requests over raw sockets: every ambiguous framing is one 400 naming the problem,
 * then the connection closes, so a request hidden in the body is never answered; the server keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpFramingTest {

    /** A request a front proxy reading Content-Length would see as the body; we must never answer it. */
    private static final String SMUGGLED = "GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private RestFixture rest;

    @BeforeAll
    void start() {
        rest = RestFixture.standard();
    }

    @AfterAll
    void stop() {
        rest.close();
    }

    /** Sends {@code text}; expects one 400 whose error holds {@code fragment}, then the server's close. */
    private void assertRefusedAndClosed(String text, String fragment) throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send(text);
            RawHttp.Response r = raw.read();
            assertEquals(400, r.status(), r.text());
            assertTrue(r.text().contains(fragment), r.text());
            assertTrue(!"keep-alive".equalsIgnoreCase(r.headers().get("connection")), r.headers().toString());
            assertTrue(raw.closedByServer(), "a second response or no close after: " + r.text());
        }
        assertEquals(200, rest.get("/v2/health/live").statusCode());
    }

    private static String post(String headers, String body) {
        return "POST /v2/repository/index HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n" + body;
    }

    @Test
    void contentLengthWithChunkedIsRefused() throws IOException {
        String chunkedEnd = "0\r\n\r\n";
        assertRefusedAndClosed(post("Content-Length: " + (chunkedEnd.length() + SMUGGLED.length())
                        + "\r\nTransfer-Encoding: chunked\r\n", chunkedEnd + SMUGGLED),
                "both Content-Length and Transfer-Encoding are given");
    }

    @Test
    void contentLengthWithChunkedIsRefusedOverHttp10Too() throws IOException {
        assertRefusedAndClosed("POST /v2/repository/index HTTP/1.0\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "both Content-Length and Transfer-Encoding");
    }

    @Test
    void anUnknownTransferCodingIsRefused() throws IOException {
        assertRefusedAndClosed(post("Content-Length: 0\r\nTransfer-Encoding: xchunked\r\n", SMUGGLED),
                "Transfer-Encoding 'xchunked' is not supported");
    }

    @Test
    void aListOfTransferCodingsIsRefused() throws IOException {
        assertRefusedAndClosed(post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n" + SMUGGLED),
                "Transfer-Encoding 'chunked, identity' is not supported");
    }

    @Test
    void aRepeatedTransferEncodingHeaderIsRefused() throws IOException {
        assertRefusedAndClosed(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                "0\r\n\r\n" + SMUGGLED), "Transfer-Encoding is given 2 times");
    }

    @Test
    void aDuplicateContentLengthIsRefused() throws IOException {
        assertRefusedAndClosed(post("Content-Length: 2\r\nContent-Length: 2\r\n", "{}" + SMUGGLED),
                "malformed HTTP request");
    }

    @Test
    void aContentLengthThatIsNotANumberIsRefused() throws IOException {
        assertRefusedAndClosed(post("Content-Length: +2\r\n", "{}" + SMUGGLED), "malformed HTTP request");
    }

    @Test
    void anOversizedUrlIsRefused() throws IOException {
        assertRefusedAndClosed("GET /v2/models/" + "m".repeat(StrictHttpServerCodec.MAX_INITIAL_LINE_BYTES)
                + " HTTP/1.1\r\nHost: localhost\r\n\r\n", "malformed HTTP request");
    }

    @Test
    void oversizedHeadersAreRefused() throws IOException {
        assertRefusedAndClosed("GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\nX-Padding: "
                + "p".repeat(StrictHttpServerCodec.MAX_HEADER_BYTES) + "\r\n\r\n", "malformed HTTP request");
    }

    @Test
    void pipelinedRequestsBeforeABadOneAreAnsweredInOrderAndNothingAfterIt() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send(RawHttp.get("/v2/health/live") + RawHttp.post("/v2/repository/index", "{}")
                    + post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n") + SMUGGLED);
            assertEquals(200, raw.read().status());
            RawHttp.Response index = raw.read();
            assertEquals(200, index.status());
            assertTrue(index.text().startsWith("["), index.text());
            assertEquals(400, raw.read().status());
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void aBodyThatDoesNotDecompressIsRefusedInItsTurn() throws IOException {
        String notGzip = "this is not gzip";
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send(RawHttp.get("/v2/health/live") + post("Content-Encoding: gzip\r\nContent-Length: "
                    + notGzip.length() + "\r\n", notGzip) + SMUGGLED);
            assertEquals(200, raw.read().status());
            RawHttp.Response r = raw.read();
            assertEquals(400, r.status(), r.text());
            assertTrue(r.text().contains("malformed HTTP request"), r.text());
            assertTrue(raw.closedByServer());
        }
        assertEquals(200, rest.get("/v2/health/live").statusCode());
    }

    @Test
    void aWellFramedChunkedBodyIsServedAndTheConnectionStaysOpen() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send(post("Transfer-Encoding: chunked\r\n", "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"));
            assertEquals(200, raw.read().status());
            raw.send(RawHttp.get("/v2/health/live"));
            assertEquals(200, raw.read().status());
        }
    }

    @Test
    void theAnswerToHeadHasNoBodyAndTheConnectionStaysInStep() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send("HEAD /v2/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n" + RawHttp.get("/v2/health/live"));
            RawHttp.Response head = raw.readHead();
            assertEquals(405, head.status());
            assertTrue(Integer.parseInt(head.headers().get("content-length")) > 0);
            assertEquals(200, raw.read().status());
        }
    }
}
