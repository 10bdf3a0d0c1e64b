package io.tensorline.server.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The REST codec on one FP32 tensor of {@code bytes} bytes, the counterpart of {@code GrpcCodecBenchmark}: request
 * body to the domain request, and the domain response to the reply, as JSON {@code data} or with the binary tensor
 * extension. The codec classes are package-private, so this class sits in their package; that works because the
 * benchmarks jar runs on the class path (one class loader, no modules), where a package is one runtime package
 * across jars.
 *
 * <p>Request: a JSON body whose {@code data} holds the floats as text, or a JSON header with
 * {@code binary_data_size} followed by the raw bytes (what {@code tensorline perf -i http --http-binary true}
 * sends). Response: the encoder's {@code FullHttpResponse} (JSON text, or a JSON header plus the output's bytes
 * wrapped without a copy), released at once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RestCodecBenchmark {

    @Param({"1024", "65536", "1048576"})
    public int bytes;

    @Param({"json", "binary"})
    public String encoding;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private byte[] body;
    private int jsonLength;
    private InferenceResponse response;
    private OutputEncoding outputs;

    @Setup
    public void setUp() {
        int elements = bytes / Float.BYTES;
        ByteBuffer data = ByteBuffer.allocate(elements * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(0);
        while (data.hasRemaining()) {
            data.putFloat((float) random.nextGaussian());
        }
        data.flip();
        boolean binary = encoding.equals("binary");
        String head = "{\"id\":\"bench\",\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,"
                + elements + "],";
        if (binary) {
            byte[] json = (head + "\"parameters\":{\"binary_data_size\":" + bytes + "}}],"
                    + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}}]}")
                    .getBytes(StandardCharsets.UTF_8);
            body = new byte[json.length + bytes];
            System.arraycopy(json, 0, body, 0, json.length);
            data.duplicate().get(body, json.length, bytes);
            jsonLength = json.length;
        } else {
            StringBuilder sb = new StringBuilder(head).append("\"data\":[");
            ByteBuffer floats = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < elements; i++) {
                sb.append(i == 0 ? "" : ",").append(floats.getFloat());
            }
            body = sb.append("]}]}").toString().getBytes(StandardCharsets.UTF_8);
            jsonLength = body.length;
        }
        Tensor out = Tensor.of("OUTPUT0", DataType.FP32, new long[] {1, elements}, data);
        response = new InferenceResponse("simple", "1", "bench", List.of(out));
        outputs = binary ? OutputEncoding.ALL_BINARY : OutputEncoding.JSON;
        // check once that the request is what the server would accept, and the output encoding what was asked
        InferRequestDecoder.Decoded decoded = decodeRequestAndEncoding();
        if (decoded.request().inputs().get(0).byteSize() != bytes
                || decoded.outputs().binary(out) != binary) {
            throw new IllegalStateException("the " + encoding + " request did not decode as expected");
        }
    }

    @Benchmark
    public InferenceRequest decodeRequest() {
        return decodeRequestAndEncoding().request();
    }

    @Benchmark
    public int encodeResponse() {
        FullHttpResponse reply = InferResponseEncoder.encode(alloc, response, outputs);
        int size = reply.content().readableBytes();
        reply.release();
        return size;
    }

    private InferRequestDecoder.Decoded decodeRequestAndEncoding() {
        return InferRequestDecoder.decode("simple", "", body, jsonLength, encoding.equals("binary"), 0L);
    }
}
