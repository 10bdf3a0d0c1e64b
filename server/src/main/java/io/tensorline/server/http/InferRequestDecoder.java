package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ReservedParameters;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.shm.SharedMemoryUse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the JSON infer request of PROTOCOL.md §2.2, with the binary tensor extension of §2.3 (the JSON header
 * first, then the blobs of binary inputs in input order), into an {@link InferenceRequest} plus the HTTP-only
 * choice of which outputs come back binary. Streaming parse, no object tree. Tensors wrap {@code body} without
 * copying, so the caller must not reuse it. Stateless; every failure is an INVALID_ARGUMENT (or UNSUPPORTED)
 * {@link InferenceException} that names the offending input.
 */
final class InferRequestDecoder {

    /** The decoded request and how its outputs are to be encoded. */
    record Decoded(InferenceRequest request, OutputEncoding outputs, Map<String, Integer> classification) {
        Decoded(InferenceRequest request, OutputEncoding outputs) {
            this(request, outputs, Map.of());
        }
    }

    private InferRequestDecoder() {
    }

    /**
     * Parses an {@code Inference-Header-Content-Length} value: the length of the JSON at the front of the body, or
     * the whole body when the header is absent (null). A value of 0 means the body is raw data (see
     * {@link RawBodyDecoder}).
     */
    static int jsonLength(String header, int bodyLength) {
        if (header == null) {
            return bodyLength;
        }
        long n;
        try {
            n = Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw InferenceException.invalid("%s '%s' is not a number (expected: the byte length of the JSON "
                    + "header, 0 to %d)", HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH, header, bodyLength);
        }
        if (n < 0 || n > bodyLength) {
            throw InferenceException.invalid("%s %d does not fit the request body of %d bytes (expected: 0 to %d)",
                    HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH, n, bodyLength, bodyLength);
        }
        return (int) n;
    }

    /**
     * @param jsonLength   bytes of JSON at the front of {@code body}; the rest holds binary input data
     * @param headerGiven  whether the client sent {@code Inference-Header-Content-Length}, for messages
     */
    static Decoded decode(String model, String version, byte[] body, int jsonLength, boolean headerGiven,
                          long arrivalNanos) {
        return decode(model, version, body, jsonLength, headerGiven, arrivalNanos, null);
    }

    /**
     * As above; inputs in shared memory wrap their region's mapped bytes, outputs that name a region are bound in
     * {@code shm}.
     *
     * @param shm the request's regions, or null when none may be named (such a reference is NOT_FOUND)
     */
    static Decoded decode(String model, String version, byte[] body, int jsonLength, boolean headerGiven,
                          long arrivalNanos, SharedMemoryUse shm) {
        try (JsonParser p = JsonSupport.FACTORY.createParser(body, 0, jsonLength)) {
            return new InferRequestDecoder.Parse(p, body, jsonLength, headerGiven, shm).run(model, version,
                    arrivalNanos);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw InferenceException.invalid("malformed JSON request body: %s%s", e.getOriginalMessage(),
                    at == null || at.getByteOffset() < 0 ? "" : " (at byte " + at.getByteOffset() + ")");
        } catch (IOException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getMessage());
        }
    }

    /** The state of one parse. */
    private static final class Parse {
        private final JsonParser p;
        private final byte[] body;
        private final int jsonLength;
        private final boolean headerGiven;
        private final SharedMemoryUse shm;
        private final List<PendingInput> inputs = new ArrayList<>(4);
        private final List<String> outputs = new ArrayList<>(2);
        private final Map<String, Boolean> binaryFlags = new HashMap<>(4);
        private final Map<String, Integer> classification = new HashMap<>(2);
        private String id = "";
        private Map<String, Object> parameters = Map.of();

        Parse(JsonParser p, byte[] body, int jsonLength, boolean headerGiven, SharedMemoryUse shm) {
            this.shm = shm;
            this.p = p;
            this.body = body;
            this.jsonLength = jsonLength;
            this.headerGiven = headerGiven;
        }

        Decoded run(String model, String version, long arrivalNanos) throws IOException {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw InferenceException.invalid("malformed JSON request body: %s (expected: a JSON object with "
                        + "'inputs')", t == null ? "the body is empty" : "it starts with " + t.asString());
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = JsonValues.string(p, value, "'id'");
                    case "parameters" -> parameters = JsonValues.parameters(p, value, "request 'parameters'");
                    case "inputs" -> readArray(value, "'inputs'", () -> inputs.add(readInput()));
                    case "outputs" -> readArray(value, "'outputs'", this::readOutput);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw InferenceException.invalid("malformed JSON request body: content after the JSON object "
                        + "(expected: binary data only after an Inference-Header-Content-Length header)");
            }
            ReservedParameters.refuse(parameters, false);
            List<Tensor> tensors = tensors(model);
            Object binaryOutput = parameters.get("binary_data_output");
            if (binaryOutput != null && !(binaryOutput instanceof Boolean)) {
                throw InferenceException.invalid("request parameter 'binary_data_output' is %s (expected: a boolean)",
                        binaryOutput);
            }
            InferenceRequest request = new InferenceRequest(model, version, id, parameters, tensors,
                    List.copyOf(outputs), arrivalNanos);
            return new Decoded(request, new OutputEncoding(Boolean.TRUE.equals(binaryOutput), binaryFlags, shm),
                    classification);
        }

        private interface Element {
            void read() throws IOException;
        }

        private void readArray(JsonToken t, String what, Element element) throws IOException {
            if (t != JsonToken.START_ARRAY) {
                throw InferenceException.invalid("%s is not an array (expected: a JSON array of objects)", what);
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    throw InferenceException.invalid("%s holds %s (expected: JSON objects)", what,
                            JsonValues.describe(p, p.currentToken()));
                }
                element.read();
            }
        }

        private PendingInput readInput() throws IOException {
            PendingInput in = new PendingInput(inputs.size());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> in.name = JsonValues.string(p, value, "the name of input #" + in.index);
                    case "datatype" -> in.datatype = JsonValues.string(p, value, "'datatype' of " + in.label());
                    case "shape" -> in.shape = JsonValues.shape(p, value, in.label());
                    case "parameters" -> in.parameters = JsonValues.parameters(p, value,
                            "'parameters' of " + in.label());
                    case "data" -> readData(in, value);
                    default -> p.skipChildren();
                }
            }
            return in;
        }

        /** Reads {@code data} at once when datatype and shape came first (as clients send them), else later. */
        private void readData(PendingInput in, JsonToken value) throws IOException {
            in.hasData = true;
            if (in.name != null && in.type() != null && in.shape != null) {
                in.data = TensorDataReader.read(p, in.name, in.type(), in.shape, in.elementCount(), jsonLength);
                return;
            }
            in.dataStart = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            in.dataEnd = (int) p.currentLocation().getByteOffset();
        }

        private void readOutput() throws IOException {
            String name = null;
            Map<String, Object> params = Map.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> name = JsonValues.string(p, value, "the name of output #" + outputs.size());
                    case "parameters" -> params = JsonValues.parameters(p, value, "'parameters' of an output");
                    default -> p.skipChildren();
                }
            }
            if (name == null) {
                throw InferenceException.invalid("output #%d has no 'name' (expected: the name of a model output)",
                        outputs.size());
            }
            if (outputs.contains(name)) {
                throw InferenceException.invalid("output '%s' is requested more than once", name);
            }
            Object binary = params.get("binary_data");
            OutputParameters.check(name, params, binary, classification, shm);
            if (binary != null && !(binary instanceof Boolean)) {
                throw InferenceException.invalid("output '%s' has parameters.binary_data %s (expected: a boolean)",
                        name, binary);
            }
            if (binary != null) {
                binaryFlags.put(name, (Boolean) binary);
            }
            outputs.add(name);
        }

        /** Checks each input and builds its tensor; binary inputs take their blobs in input order. */
        private List<Tensor> tensors(String model) throws IOException {
            List<Tensor> out = new ArrayList<>(inputs.size());
            int offset = jsonLength;
            for (PendingInput in : inputs) {
                in.check();
                ByteBuffer data;
                if (in.sharedMemory != null) {
                    if (shm == null) {
                        throw InferenceException.notFound("Unable to find shared memory region: '%s'",
                                in.sharedMemory.region());
                    }
                    data = shm.input(in.sharedMemory);
                    in.checkByteSize(model, id, data.remaining());
                } else if (in.binarySize >= 0) {
                    if (in.binarySize > body.length - offset) {
                        throw truncated(in, offset);
                    }
                    data = ByteBuffer.wrap(body, offset, (int) in.binarySize);
                    offset += (int) in.binarySize;
                    in.checkBinarySize(model, id);
                } else if (in.data != null) {
                    data = in.data;
                } else {
                    data = readDeferred(in);
                }
                out.add(Tensor.of(in.name, in.type(), in.shape, data));
            }
            if (offset != body.length) {
                throw InferenceException.invalid("the request body has %d bytes after the %d-byte JSON header but the "
                        + "inputs' binary_data_size add up to %d (expected: exactly the binary inputs' data, in input "
                        + "order)", body.length - jsonLength, jsonLength, offset - jsonLength);
            }
            return out;
        }

        private ByteBuffer readDeferred(PendingInput in) throws IOException {
            try (JsonParser sub = JsonSupport.FACTORY.createParser(body, in.dataStart, in.dataEnd - in.dataStart)) {
                sub.nextToken();
                return TensorDataReader.read(sub, in.name, in.type(), in.shape, in.elementCount(), jsonLength);
            }
        }

        private InferenceException truncated(PendingInput in, int offset) {
            if (!headerGiven) {
                return InferenceException.invalid("input '%s' has binary_data_size %d but the request carries no "
                        + "binary data (expected: an Inference-Header-Content-Length header giving the JSON length, "
                        + "followed by the data)", in.name, in.binarySize);
            }
            return InferenceException.invalid("input '%s' has binary_data_size %d but only %d bytes of binary data "
                    + "remain in the request body (expected: the blobs of all binary inputs, in input order, after the "
                    + "%d-byte JSON header)", in.name, in.binarySize, body.length - offset, jsonLength);
        }
    }
}
