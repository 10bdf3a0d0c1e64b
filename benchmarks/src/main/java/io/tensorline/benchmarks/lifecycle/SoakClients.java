package io.tensorline.benchmarks.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The soak's closed-loop clients for model {@code simple}: good requests whose outputs are checked, and every
 * {@code badEvery}th a bad one, each outcome counted in a {@link SoakTally} with whether it was the expected reply.
 */
final class SoakClients {

    static final String MODEL = "simple";
    static final ObjectMapper JSON = new ObjectMapper();
    static final int WIDTH = 16;

    private SoakClients() {
    }

    private static final MethodDescriptor<byte[], byte[]> RAW_INFER = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())
            .setRequestMarshaller(new BytesMarshaller()).setResponseMarshaller(new BytesMarshaller()).build();

    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static void grpcClient(ManagedChannel channel, SoakTally tally, AtomicBoolean stop, long seed, int badEvery,
                           int oversizeRows) {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                GRPCInferenceServiceGrpc.newBlockingStub(channel);
        SplittableRandom random = new SplittableRandom(seed);
        String[] bad = {"wrong datatype", "wrong shape", "unknown model", "oversize tensor", "undecodable bytes"};
        for (long n = 1; !stop.get(); n++) {
            String kind = kind(n, badEvery, bad);
            float[] a = row(random);
            float[] b = row(random);
            ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName(MODEL);
            r.addInputs(tensor("INPUT0", "FP32", 1, WIDTH)).addRawInputContents(floats(a));
            r.addInputs(tensor("INPUT1", "FP32", 1, WIDTH)).addRawInputContents(floats(b));
            switch (kind) {
                case "wrong datatype" -> r.setInputs(1, tensor("INPUT1", "INT32", 1, WIDTH));
                case "wrong shape" -> r.setInputs(1, tensor("INPUT1", "FP32", 1, WIDTH - 1))
                        .setRawInputContents(1, floats(new float[WIDTH - 1]));
                case "unknown model" -> r.setModelName("no_such_model");
                case "oversize tensor" -> r.setInputs(0, tensor("INPUT0", "FP32", oversizeRows, WIDTH))
                        .setRawInputContents(0, ByteString.copyFrom(new byte[oversizeRows * WIDTH * 4]));
                default -> { }
            }
            tally.sent("gRPC");
            try {
                if (kind.equals("undecodable bytes")) {
                    ClientCalls.blockingUnaryCall(channel, RAW_INFER,
                            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), undecodable(r, random));
                    tally.outcome("gRPC", kind, "OK", false, true);
                    continue;
                }
                ModelInferResponse response = stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(r.build());
                boolean right = kind.equals("good") && checks(response.getRawOutputContents(0),
                        response.getRawOutputContents(1), a, b);
                tally.outcome("gRPC", kind, right ? "OK, outputs right" : "OK", right, true);
            } catch (StatusRuntimeException e) {
                Status s = e.getStatus();
                // a status the client made up (deadline, connection lost) is a call the server never answered
                boolean fromServer = s.getCode() != Status.Code.DEADLINE_EXCEEDED && s.getCause() == null;
                Status.Code want = kind.equals("unknown model") ? Status.Code.NOT_FOUND
                        : Status.Code.INVALID_ARGUMENT;
                tally.outcome("gRPC", kind, s.getCode().name() + (fromServer ? "" : " (no answer)"),
                        !kind.equals("good") && s.getCode() == want && fromServer, fromServer);
            } catch (RuntimeException e) {
                tally.outcome("gRPC", kind, "client error " + e.getClass().getSimpleName(), false, false);
            }
        }
    }

    /** A message that cannot be parsed: a valid request cut inside a field, or an invalid tag then random bytes. */
    private static byte[] undecodable(ModelInferRequest.Builder r, SplittableRandom random) {
        byte[] whole = r.setModelName(MODEL).build().toByteArray();
        if (random.nextBoolean()) {
            return Arrays.copyOf(whole, whole.length - 1 - random.nextInt(WIDTH * 4));
        }
        byte[] junk = new byte[1 + random.nextInt(256)];
        random.nextBytes(junk);
        junk[0] = 0x07; // field 0 with wire type 7: no parser accepts it
        return junk;
    }

    private static ModelInferRequest.InferInputTensor.Builder tensor(String name, String datatype, long rows,
                                                                       long cols) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(datatype).addShape(rows)
                .addShape(cols);
    }

    private static boolean checks(ByteString sum, ByteString diff, float[] a, float[] b) {
        ByteBuffer s = sum.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer d = diff.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (s.remaining() != WIDTH * 4 || d.remaining() != WIDTH * 4) {
            return false;
        }
        for (int i = 0; i < WIDTH; i++) {
            if (s.getFloat() != a[i] + b[i] || d.getFloat() != a[i] - b[i]) {
                return false;
            }
        }
        return true;
    }

    // ---- REST ------------------------------------------------------------------------------------------------------

    static void restClient(String base, SoakTally tally, AtomicBoolean stop, long seed, int badEvery,
                           int oversizeRows) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        SplittableRandom random = new SplittableRandom(seed);
        String[] bad = {"wrong datatype", "wrong shape", "unknown model", "oversize tensor", "malformed JSON"};
        for (long n = 1; !stop.get(); n++) {
            String kind = kind(n, badEvery, bad);
            float[] a = row(random);
            float[] b = row(random);
            String model = kind.equals("unknown model") ? "no_such_model" : MODEL;
            String in0 = kind.equals("oversize tensor") ? restTensor("INPUT0", "FP32", oversizeRows, new float[0])
                    : restTensor("INPUT0", "FP32", 1, a);
            String in1 = switch (kind) {
                case "wrong datatype" -> restTensor("INPUT1", "INT32", 1, b);
                case "wrong shape" -> restTensor("INPUT1", "FP32", 1, new float[WIDTH - 1]);
                default -> restTensor("INPUT1", "FP32", 1, b);
            };
            String body = "{\"inputs\": [" + in0 + ", " + in1 + "]}";
            if (kind.equals("malformed JSON")) {
                body = body.substring(0, 1 + random.nextInt(body.length() - 2));
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model + "/infer"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            tally.sent("REST");
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                JsonNode reply = JSON.readTree(response.body());
                int status = response.statusCode();
                if (kind.equals("good")) {
                    boolean right = status == 200 && checks(reply.path("outputs"), a, b);
                    tally.outcome("REST", kind, status + (right ? ", outputs right" : ""), right, true);
                } else {
                    int want = kind.equals("unknown model") ? 404 : 400;
                    boolean error = reply.path("error").isTextual();
                    tally.outcome("REST", kind, status + (error ? " {\"error\"}" : " without error text"),
                            status == want && error, true);
                }
            } catch (IOException e) {
                tally.outcome("REST", kind, "no answer: " + e.getClass().getSimpleName(), false, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A REST tensor; rows beyond {@code values} are written as zeros (the oversize case). */
    private static String restTensor(String name, String datatype, int rows, float[] values) {
        int cols = values.length == 0 ? WIDTH : values.length;
        StringBuilder sb = new StringBuilder(rows * cols * 4 + 64);
        sb.append("{\"name\": \"").append(name).append("\", \"datatype\": \"").append(datatype)
                .append("\", \"shape\": [").append(rows).append(", ").append(cols).append("], \"data\": [");
        boolean ints = datatype.equals("INT32");
        for (int i = 0; i < rows * cols; i++) {
            if (i > 0) {
                sb.append(',');
            }
            float v = i < values.length ? values[i] : 0f;
            sb.append(ints ? Integer.toString((int) v) : Float.toString(v));
        }
        return sb.append("]}").toString();
    }

    private static boolean checks(JsonNode outputs, float[] a, float[] b) {
        if (outputs.size() != 2) {
            return false;
        }
        for (JsonNode out : outputs) {
            boolean sum = out.path("name").asText().equals("OUTPUT0");
            JsonNode data = out.path("data");
            if (data.size() != WIDTH) {
                return false;
            }
            for (int i = 0; i < WIDTH; i++) {
                if ((float) data.get(i).asDouble() != (sum ? a[i] + b[i] : a[i] - b[i])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The {@code n}th request of a client: every {@code badEvery}th one of the bad kinds in turn, else "good". */
    private static String kind(long n, int badEvery, String[] bad) {
        return n % badEvery == 0 ? bad[(int) ((n / badEvery) % bad.length)] : "good";
    }

    private static float[] row(SplittableRandom random) {
        float[] r = new float[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            r[i] = random.nextInt(-1000, 1000) / 8f; // exact in FP32, so sums and differences compare exactly
        }
        return r;
    }

    static ByteString floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return ByteString.copyFrom(b.array());
    }
}
