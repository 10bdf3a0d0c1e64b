package io.tensorline.benchmarks.codec;

import com.google.protobuf.ByteString;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.grpc.GrpcInferCodec;
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
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC request and response codec on one FP32 tensor of {@code bytes} bytes: wire bytes to the domain request
 * (protobuf parse plus our decode), and the domain response to wire bytes (our encode plus protobuf serialise).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GrpcCodecBenchmark {

    @Param({"1024", "65536", "1048576"})
    public int bytes;

    private byte[] requestWire;
    private InferenceResponse response;

    @Setup
    public void setUp() {
        byte[] data = new byte[bytes];
        new Random(0).nextBytes(data);
        int elements = bytes / 4;
        requestWire = ModelInferRequest.newBuilder()
                .setModelName("simple").setId("bench")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("INPUT0").setDatatype("FP32").addShape(1).addShape(elements))
                .addRawInputContents(ByteString.copyFrom(data))
                .build().toByteArray();
        Tensor out = Tensor.of("OUTPUT0", DataType.FP32, new long[] {1, elements}, ByteBuffer.wrap(data));
        response = new InferenceResponse("simple", "1", "bench", List.of(out));
    }

    @Benchmark
    public InferenceRequest decodeRequest() throws Exception {
        return GrpcInferCodec.decode(ModelInferRequest.parseFrom(requestWire), 0L);
    }

    @Benchmark
    public byte[] encodeResponse() {
        ModelInferResponse r = GrpcInferCodec.encode(response);
        return r.toByteArray();
    }
}
