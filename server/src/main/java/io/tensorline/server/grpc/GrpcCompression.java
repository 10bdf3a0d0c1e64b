package io.tensorline.server.grpc;

import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * gRPC message compression as Triton's clients use it: {@code gzip} and {@code deflate} (zlib format, as gRPC
 * core writes it) accepted on requests, and a response compressed with the algorithm its request came in, when
 * the client lists that algorithm in {@code grpc-accept-encoding}.
 */
final class GrpcCompression {

    static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> ACCEPT = Metadata.Key.of("grpc-accept-encoding",
            Metadata.ASCII_STRING_MARSHALLER);

    private GrpcCompression() {
    }

    /** {@code deflate}: a zlib stream, what gRPC core's message compression calls deflate. */
    static final class Deflate implements Codec {
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

    static DecompressorRegistry decompressors() {
        return DecompressorRegistry.getDefaultInstance().with(new Deflate(), true);
    }

    static CompressorRegistry compressors() {
        CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
        registry.register(new Codec.Gzip());
        registry.register(new Deflate());
        return registry;
    }

    /** Answers in the request's algorithm when the client accepts it. */
    static ServerInterceptor responses() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                ServerCallHandler<Q, R> next) {
                String encoding = headers.get(ENCODING);
                String accept = headers.get(ACCEPT);
                if (encoding != null && (encoding.equals("gzip") || encoding.equals("deflate"))
                        && accept != null && accepts(accept, encoding)) {
                    call.setCompression(encoding);
                }
                return next.startCall(call, headers);
            }
        };
    }

    private static boolean accepts(String accept, String encoding) {
        for (String a : accept.split(",")) {
            if (a.trim().equals(encoding)) {
                return true;
            }
        }
        return false;
    }
}
