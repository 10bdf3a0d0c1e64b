package io.tensorline.server.e2e;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gzip and deflate requests (the two algorithms Triton's client offers) and compressed answers. */
class GrpcCompressionTest {

    /** The client's own deflate (zlib) codec, as Triton's C++ client sends it. */
    private static final class ClientDeflate implements Codec {
        @Override
        public String getMessageEncoding() {
            return "deflate";
        }

        @Override
        public OutputStream compress(OutputStream os) {
            return new DeflaterOutputStream(os);
        }

        @Override
        public InputStream decompress(InputStream is) {
            return new InflaterInputStream(is);
        }
    }

    private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding",
            Metadata.ASCII_STRING_MARSHALLER);
    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static final AtomicReference<String> lastResponseEncoding = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(TestServers.TEST_REPOSITORY);
        CompressorRegistry compressors = CompressorRegistry.newEmptyInstance();
        compressors.register(new Codec.Gzip());
        compressors.register(new ClientDeflate());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .compressorRegistry(compressors)
                .decompressorRegistry(DecompressorRegistry.getDefaultInstance().with(new ClientDeflate(), true))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    /** Records the grpc-encoding of each response. */
    private static final ClientInterceptor RECORD = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata h) {
                            lastResponseEncoding.set(String.valueOf(h.get(ENCODING)));
                            super.onHeaders(h);
                        }
                    }, headers);
                }
            };
        }
    };

    private static ModelInferResponse addSub(String compression) {
        float[] a = new float[4 * 8];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        lastResponseEncoding.set(null);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc
                .newBlockingStub(ClientInterceptors.intercept(channel, RECORD)).withDeadlineAfter(60, TimeUnit.SECONDS);
        return (compression == null ? stub : stub.withCompression(compression)).modelInfer(Tensors.addSub("add_sub", "1", a, a));
    }

    private static void assertSums(ModelInferResponse r) {
        float[] expected = new float[32];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = 2 * i;
        }
        assertArrayEquals(expected, toFloats(r.getRawOutputContents(0)));
    }

    @Test
    void gzipRequestsAreAnsweredInGzip() {
        assertSums(addSub("gzip"));
        assertEquals("gzip", lastResponseEncoding.get());
    }

    @Test
    void deflateRequestsAreAnsweredInDeflate() {
        assertSums(addSub("deflate"));
        assertEquals("deflate", lastResponseEncoding.get());
    }

    @Test
    void uncompressedRequestsGetUncompressedAnswers() {
        assertSums(addSub(null));
        String encoding = lastResponseEncoding.get();
        assertTrue(encoding.equals("null") || encoding.equals("identity"), encoding);
    }
}
