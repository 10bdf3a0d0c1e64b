package io.tensorline.server.net;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Triton's restricted APIs ({@code --grpc-restricted-protocol} / {@code --http-restricted-api}, and Tensorline's
 * {@code --metrics-restricted-api}): each group of endpoints may require one header with one value. A request to
 * a restricted group without that header value is refused. The value is compared in constant time, so its
 * contents cannot be probed by timing. Immutable.
 */
public final class RestrictedApis {

    /** Triton's endpoint groups, plus {@code metrics} for the metrics port. */
    public enum Group {
        HEALTH("health"), METADATA("metadata"), INFERENCE("inference"), SHARED_MEMORY("shared-memory"),
        MODEL_CONFIG("model-config"), MODEL_REPOSITORY("model-repository"), STATISTICS("statistics"),
        TRACE("trace"), LOGGING("logging"), METRICS("metrics");

        private final String flagName;

        Group(String flagName) {
            this.flagName = flagName;
        }

        public String flagName() {
            return flagName;
        }

        static Group byFlagName(String name) {
            for (Group g : values()) {
                if (g.flagName.equals(name)) {
                    return g;
                }
            }
            return null;
        }
    }

    /** The header a group requires and its expected value. */
    public record Rule(String header, String value) {
        /** Constant-time comparison of a received header value (null when absent). */
        public boolean accepts(String received) {
            byte[] expected = value.getBytes(StandardCharsets.UTF_8);
            byte[] got = received == null ? new byte[0] : received.getBytes(StandardCharsets.UTF_8);
            // MessageDigest.isEqual does not return early on the first differing byte
            return received != null && MessageDigest.isEqual(expected, got);
        }
    }

    public static final RestrictedApis NONE = new RestrictedApis(Map.of());

    private final Map<Group, Rule> rules;

    private RestrictedApis(Map<Group, Rule> rules) {
        this.rules = rules;
    }

    /**
     * Parses flag values {@code <group>[,<group>...]:<header>=<value>}.
     *
     * @param kind    Triton's word in the error texts: "protocol" (gRPC) or "api" (HTTP, metrics)
     * @param allowed the groups this listener has
     * @throws IllegalArgumentException with Triton's wording for unknown or repeated groups
     */
    public static RestrictedApis parse(List<String> specs, String kind, List<Group> allowed) {
        Map<Group, Rule> rules = new EnumMap<>(Group.class);
        for (String spec : specs) {
            int colon = spec.indexOf(':');
            int eq = colon < 0 ? -1 : spec.indexOf('=', colon);
            if (colon <= 0 || eq <= colon + 1) {
                throw new IllegalArgumentException("restricted " + kind + " '" + spec
                        + "' (expected: <group>[,<group>...]:<header>=<value>)");
            }
            Rule rule = new Rule(spec.substring(colon + 1, eq), spec.substring(eq + 1));
            for (String name : spec.substring(0, colon).split(",")) {
                Group g = Group.byFlagName(name.trim());
                if (g == null || !allowed.contains(g)) {
                    throw new IllegalArgumentException("unknown restricted " + kind + " '" + name.trim() + "'");
                }
                if (rules.putIfAbsent(g, rule) != null) {
                    throw new IllegalArgumentException("restricted " + kind + " '" + name.trim()
                            + "' can not be specified in multiple config groups");
                }
            }
        }
        return new RestrictedApis(Collections.unmodifiableMap(rules));
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** The rule for a group, or null when it is open. */
    public Rule rule(Group group) {
        return group == null ? null : rules.get(group);
    }

    /**
     * The rule a request breaks, or null when it may go on.
     *
     * @param header looks a header up by name, null when absent
     */
    public Rule refused(Group group, Function<String, String> header) {
        Rule r = rule(group);
        return r == null || r.accepts(header.apply(r.header())) ? null : r;
    }

    /**
     * The group of a REST path (query string removed), by Triton's mapping: {@code /v2/health/*} and model
     * {@code /ready} are health, {@code /config} model-config, {@code /stats} statistics, {@code /infer} and
     * {@code /generate*} inference, {@code /v2/repository/*} model-repository, the shared-memory, trace and logging
     * paths their groups, and {@code /v2} and model metadata metadata. Null for paths outside the API.
     */
    public static Group httpGroup(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/v2")) {
            return Group.METADATA;
        }
        if (!p.startsWith("/v2/")) {
            return null;
        }
        if (p.startsWith("/v2/health/")) {
            return Group.HEALTH;
        }
        if (p.startsWith("/v2/repository")) {
            return Group.MODEL_REPOSITORY;
        }
        if (p.startsWith("/v2/systemsharedmemory") || p.startsWith("/v2/cudasharedmemory")) {
            return Group.SHARED_MEMORY;
        }
        if (p.startsWith("/v2/logging")) {
            return Group.LOGGING;
        }
        if (p.startsWith("/v2/trace") || p.endsWith("/trace/setting")) {
            return Group.TRACE;
        }
        if (p.startsWith("/v2/models")) {
            if (p.endsWith("/ready")) {
                return Group.HEALTH;
            }
            if (p.endsWith("/config")) {
                return Group.MODEL_CONFIG;
            }
            if (p.endsWith("/stats")) {
                return Group.STATISTICS;
            }
            if (p.endsWith("/infer") || p.endsWith("/generate") || p.endsWith("/generate_stream")) {
                return Group.INFERENCE;
            }
            return Group.METADATA;
        }
        return null;
    }

    /** The group of a gRPC method ({@code service/Method}), by Triton's mapping; null for other services. */
    public static Group grpcGroup(String fullMethodName) {
        if (fullMethodName.startsWith("grpc.health.v1.Health/")) {
            return Group.HEALTH;
        }
        int slash = fullMethodName.indexOf('/');
        if (slash < 0 || !fullMethodName.startsWith("inference.GRPCInferenceService/")) {
            return null;
        }
        String m = fullMethodName.substring(slash + 1);
        return switch (m) {
            case "ServerLive", "ServerReady", "ModelReady" -> Group.HEALTH;
            case "ServerMetadata", "ModelMetadata" -> Group.METADATA;
            case "ModelInfer", "ModelStreamInfer" -> Group.INFERENCE;
            case "ModelConfig" -> Group.MODEL_CONFIG;
            case "ModelStatistics" -> Group.STATISTICS;
            case "RepositoryIndex", "RepositoryModelLoad", "RepositoryModelUnload" -> Group.MODEL_REPOSITORY;
            case "TraceSetting" -> Group.TRACE;
            case "LogSettings" -> Group.LOGGING;
            default -> m.contains("SharedMemory") ? Group.SHARED_MEMORY : null;
        };
    }

    /** Triton's nine groups (everything but metrics). */
    public static List<Group> tritonGroups() {
        return List.of(Group.HEALTH, Group.METADATA, Group.INFERENCE, Group.SHARED_MEMORY, Group.MODEL_CONFIG,
                Group.MODEL_REPOSITORY, Group.STATISTICS, Group.TRACE, Group.LOGGING);
    }
}
