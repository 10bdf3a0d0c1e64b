package io.tensorline.perf.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tensorline.client.InferCodec;

import java.nio.charset.StandardCharsets;

/** One pre-built REST infer request (request line, headers, body), written as is on every send. */
final class HttpInfer implements PreparedInfer {

    private final NettyHttpClient client;
    private final ByteBuf request;
    private final String what;

    private HttpInfer(NettyHttpClient client, ByteBuf request, String what) {
        this.client = client;
        this.request = request;
        this.what = what;
    }

    /** Builds the HTTP/1.1 POST of {@code body} to {@code path} once; the client frees it when it closes. */
    static HttpInfer build(NettyHttpClient client, String path, InferCodec.RestBody body) {
        StringBuilder head = new StringBuilder(256)
                .append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(client.authority()).append("\r\n")
                .append("Content-Type: ").append(body.contentType()).append("\r\n")
                .append("Content-Length: ").append(body.bytes().length).append("\r\n");
        if (body.jsonLength() >= 0) {
            head.append(InferCodec.HEADER_CONTENT_LENGTH).append(": ").append(body.jsonLength()).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuf request = Unpooled.directBuffer(h.length + body.bytes().length);
        request.writeBytes(h).writeBytes(body.bytes());
        return new HttpInfer(client, client.keep(request), "POST http://" + client.authority() + path);
    }

    @Override
    public void send(InferCallback callback) {
        client.send(request, what, callback);
    }
}
