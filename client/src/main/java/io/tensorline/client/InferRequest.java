package io.tensorline.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One inference request, the same for gRPC, REST and the embedded server. Built with {@link #builder(String)};
 * immutable once built.
 */
public final class InferRequest {

    /**
     * An output the caller asks for. {@code binary} matters only over REST: true for the binary extension, false for
     * JSON, null for the client's default ({@link ClientBuilder#binaryData}).
     */
    public record RequestedOutput(String name, Boolean binary) {
        public RequestedOutput {
            Objects.requireNonNull(name, "name");
        }
    }

    private final String model;
    private final String version;
    private final String id;
    private final Map<String, Object> parameters;
    private final List<InferTensor> inputs;
    private final List<RequestedOutput> outputs;
    private final Duration deadline;

    private InferRequest(Builder b) {
        this.model = b.model;
        this.version = b.version;
        this.id = b.id;
        this.parameters = Map.copyOf(b.parameters);
        this.inputs = List.copyOf(b.inputs);
        this.outputs = List.copyOf(b.outputs);
        this.deadline = b.deadline;
    }

    public static Builder builder(String model) {
        return new Builder(model);
    }

    public String model() {
        return model;
    }

    /** The version asked for; empty lets the model's version policy decide. */
    public String version() {
        return version;
    }

    /** The request id the server echoes; may be empty. */
    public String id() {
        return id;
    }

    /** Request parameters (priority, timeout, custom ones): values are Boolean, Long, Double or String. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    public List<InferTensor> inputs() {
        return inputs;
    }

    /** The outputs asked for; empty means every output of the model. */
    public List<RequestedOutput> outputs() {
        return outputs;
    }

    /** How long the caller waits for the answer, or null for the client's default. */
    public Duration deadline() {
        return deadline;
    }

    /** Builds an {@link InferRequest}. Not thread-safe. */
    public static final class Builder {
        private final String model;
        private String version = "";
        private String id = "";
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private final List<InferTensor> inputs = new ArrayList<>();
        private final List<RequestedOutput> outputs = new ArrayList<>();
        private Duration deadline;

        private Builder(String model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        public Builder version(long version) {
            return version(Long.toString(version));
        }

        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        public Builder input(InferTensor input) {
            inputs.add(Objects.requireNonNull(input, "input"));
            return this;
        }

        /** Asks for one output. Without any, the server returns every output. */
        public Builder output(String name) {
            outputs.add(new RequestedOutput(name, null));
            return this;
        }

        /** Asks for one output, over REST as binary data or as JSON whatever the client's default. */
        public Builder output(String name, boolean binary) {
            outputs.add(new RequestedOutput(name, binary));
            return this;
        }

        /** Triton's {@code priority} parameter: 1 is the highest; 0 means the model's default. */
        public Builder priority(long priority) {
            if (priority < 0) {
                throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0)");
            }
            return parameter("priority", priority);
        }

        /**
         * Triton's {@code timeout} parameter: the server drops the request if it has not started within this many
         * microseconds (when the model's queue policy allows timeout overrides).
         */
        public Builder timeoutMicros(long micros) {
            if (micros < 0) {
                throw new IllegalArgumentException("timeoutMicros: " + micros + " (expected: >= 0)");
            }
            return parameter("timeout", micros);
        }

        /** The client-side deadline: the call fails with DEADLINE_EXCEEDED when no answer came in time. */
        public Builder deadline(Duration deadline) {
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
            }
            this.deadline = deadline;
            return this;
        }

        /** A request parameter; {@code value} is a Boolean, an integral number, a Double or a String. */
        public Builder parameter(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Object v = value instanceof Integer i ? Long.valueOf(i) : value instanceof Float f ? Double.valueOf(f) : value;
            if (!(v instanceof Boolean || v instanceof Long || v instanceof Double || v instanceof String)) {
                throw new IllegalArgumentException("parameter '" + key + "' is " + value
                        + " (expected: a Boolean, Integer, Long, Double or String)");
            }
            parameters.put(key, v);
            return this;
        }

        public InferRequest build() {
            if (inputs.isEmpty()) {
                throw new IllegalStateException("request for '" + model + "' has no inputs (expected: at least one)");
            }
            return new InferRequest(this);
        }
    }
}
