package io.tensorline.perf.transport;

import io.tensorline.client.InferCodec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NettyHttpClientTest {

    private static final byte[] BODY = "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8);

    private RawServer server;
    private NettyHttpClient client;

    @AfterEach
    void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void reconnectsOnceWhenTheServerClosesTheConnection() throws Exception {
        server = new RawServer(request -> request > 1); // drops the first request, answers the rest
        client = new NettyHttpClient("127.0.0.1", server.port(), 1, 1);
        Outcomes outcomes = send(1);
        assertEquals(List.of("ok"), outcomes.results);
        assertEquals(2, server.connections.get());
    }

    @Test
    void failsWhenTheReconnectIsClosedToo() throws Exception {
        server = new RawServer(request -> false);
        client = new NettyHttpClient("127.0.0.1", server.port(), 1, 1);
        Outcomes outcomes = send(1);
        assertEquals(1, outcomes.results.size());
        String message = outcomes.results.get(0);
        assertTrue(message.contains("closed before the reply to POST http://127.0.0.1:" + server.port() + "/v2/models/m/infer"), message);
        assertTrue(message.contains("after one reconnect"), message);
        assertEquals(2, server.connections.get());
    }

    @Test
    void queuesRequestsBeyondTheConnectionLimitAndReusesConnections() throws Exception {
        server = new RawServer(request -> true);
        client = new NettyHttpClient("127.0.0.1", server.port(), 2, 2);
        Outcomes outcomes = send(50);
        assertEquals(50, outcomes.results.size());
        assertTrue(outcomes.results.stream().allMatch("ok"::equals), outcomes.results.toString());
        assertTrue(server.connections.get() <= 2, "connections: " + server.connections.get());
        assertEquals(50, server.requests.get());
    }

    @Test
    void reportsTheServersErrorText() throws Exception {
        server = new RawServer(request -> true, 400, "{\"error\":\"input 'X' is missing\"}");
        client = new NettyHttpClient("127.0.0.1", server.port(), 1, 1);
        Outcomes outcomes = send(1);
        assertEquals(List.of("HTTP 400: input 'X' is missing"), outcomes.results);
    }

    private Outcomes send(int n) throws InterruptedException {
        HttpInfer infer = HttpInfer.build(client, "/v2/models/m/infer", new InferCodec.RestBody(BODY, -1));
        Outcomes outcomes = new Outcomes(n);
        for (int i = 0; i < n; i++) {
            infer.send(outcomes);
        }
        assertTrue(outcomes.done.await(30, TimeUnit.SECONDS), "replies: " + outcomes.results);
        return outcomes;
    }

    private static final class Outcomes implements InferCallback {
        final List<String> results = new CopyOnWriteArrayList<>();
        final CountDownLatch done;

        Outcomes(int n) {
            done = new CountDownLatch(n);
        }

        @Override
        public void completed(long startNs, long endNs, long sendNs, long recvNs) {
            results.add("ok");
            done.countDown();
        }

        @Override
        public void failed(long startNs, long endNs, String message) {
            results.add(message);
            done.countDown();
        }
    }

    /** A blocking HTTP/1.1 server on a raw socket: a thread per connection, keep-alive, Content-Length bodies. */
    private static final class RawServer implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        private final ServerSocket socket;
        private final IntPredicate answer;
        private final int status;
        private final byte[] reply;
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        RawServer(IntPredicate answer) throws IOException {
            this(answer, 200, "{\"outputs\":[]}");
        }

        RawServer(IntPredicate answer, int status, String reply) throws IOException {
            this.socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            this.answer = answer;
            this.status = status;
            this.reply = reply.getBytes(StandardCharsets.UTF_8);
            Thread t = new Thread(this::accept, "raw-http-accept");
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    accepted.add(s);
                    Thread t = new Thread(() -> serve(s), "raw-http-conn");
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    int length = readHead(in);
                    if (length < 0) {
                        return;
                    }
                    in.readNBytes(length);
                    if (!answer.test(requests.incrementAndGet())) {
                        return;
                    }
                    out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                            + reply.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(reply);
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        /** Reads the request line and headers; returns Content-Length, or -1 at the end of the stream. */
        private static int readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            int b;
            while (matched < 4 && (b = in.read()) >= 0) {
                head.write(b);
                matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
            }
            if (matched < 4) {
                return -1;
            }
            for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
            List<Thread> all = new ArrayList<>(threads);
            for (Thread t : all) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
