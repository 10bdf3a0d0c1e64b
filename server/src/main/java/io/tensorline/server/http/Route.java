package io.tensorline.server.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request path matched against the REST API (PROTOCOL.md §2.1).
 *
 * @param endpoint what the path names
 * @param model    the model name (the region name for shared memory endpoints), or null for endpoints without one
 * @param version  the version as given (digits only), or empty when the path names none
 */
record Route(Endpoint endpoint, String model, String version) {

    enum Endpoint {
        SERVER_METADATA(HttpMethod.GET),
        HEALTH_LIVE(HttpMethod.GET),
        HEALTH_READY(HttpMethod.GET),
        MODEL_METADATA(HttpMethod.GET),
        MODEL_READY(HttpMethod.GET),
        MODEL_CONFIG(HttpMethod.GET),
        MODEL_INFER(HttpMethod.POST),
        MODEL_STATS(HttpMethod.GET),
        REPOSITORY_INDEX(HttpMethod.POST),
        MODEL_LOAD(HttpMethod.POST),
        MODEL_UNLOAD(HttpMethod.POST),
        /** {@code v2/repository/<repo>/models/...}: a named repository, which Triton does not support. */
        REPOSITORY_NAMED(HttpMethod.POST),
        LOGGING(HttpMethod.GET, HttpMethod.POST),
        /** {@code v2/trace/setting} (model null) and {@code v2/models/{m}/trace/setting}. */
        TRACE_SETTING(HttpMethod.GET, HttpMethod.POST),
        SYSTEM_SHM_STATUS(HttpMethod.GET),
        SYSTEM_SHM_REGISTER(HttpMethod.POST),
        SYSTEM_SHM_UNREGISTER(HttpMethod.POST),
        CUDA_SHM_STATUS(HttpMethod.GET),
        CUDA_SHM_REGISTER(HttpMethod.POST),
        CUDA_SHM_UNREGISTER(HttpMethod.POST);

        private final HttpMethod method;
        private final HttpMethod[] others;

        Endpoint(HttpMethod method, HttpMethod... others) {
            this.method = method;
            this.others = others;
        }

        HttpMethod method() {
            return method;
        }

        boolean allows(HttpMethod m) {
            return method.equals(m) || java.util.Arrays.asList(others).contains(m);
        }

        /** The methods for an {@code Allow} header. */
        String allowed() {
            StringBuilder b = new StringBuilder(method.name());
            for (HttpMethod m : others) {
                b.append(", ").append(m.name());
            }
            return b.toString();
        }
    }

    /**
     * Matches a request URI (query string ignored), or returns null when no endpoint has that path.
     *
     * @throws InferenceException INVALID_ARGUMENT when the version segment is not a number
     */
    static Route match(String uri) {
        List<String> s = segments(uri);
        int n = s.size();
        if (n == 0 || !s.get(0).equals("v2")) {
            return null;
        }
        if (n == 1) {
            return new Route(Endpoint.SERVER_METADATA, null, "");
        }
        return switch (s.get(1)) {
            case "health" -> n == 3 ? health(s.get(2)) : null;
            case "models" -> n >= 3 ? model(s) : null;
            case "repository" -> repository(s);
            case "logging" -> n == 2 ? new Route(Endpoint.LOGGING, null, "") : null;
            case "trace" -> n == 3 && s.get(2).equals("setting") ? new Route(Endpoint.TRACE_SETTING, null, "") : null;
            case "systemsharedmemory", "cudasharedmemory" -> sharedMemory(s);
            default -> null;
        };
    }

    private static Route health(String what) {
        return switch (what) {
            case "live" -> new Route(Endpoint.HEALTH_LIVE, null, "");
            case "ready" -> new Route(Endpoint.HEALTH_READY, null, "");
            default -> null;
        };
    }

    /** {@code v2/models/stats} and {@code v2/models/{m}[/versions/{v}][/ready|config|infer|stats]}. */
    private static Route model(List<String> s) {
        if (s.size() == 3 && s.get(2).equals("stats")) {
            return new Route(Endpoint.MODEL_STATS, "", "");
        }
        String model = s.get(2);
        int next = 3;
        String version = "";
        if (s.size() >= 5 && s.get(3).equals("versions")) {
            version = checkVersion(s.get(4));
            next = 5;
        }
        if (s.size() == next) {
            return new Route(Endpoint.MODEL_METADATA, model, version);
        }
        if (s.size() == 5 && next == 3 && s.get(3).equals("trace") && s.get(4).equals("setting")) {
            return new Route(Endpoint.TRACE_SETTING, model, "");
        }
        if (s.size() != next + 1) {
            return null;
        }
        Endpoint e = switch (s.get(next)) {
            case "ready" -> Endpoint.MODEL_READY;
            case "config" -> Endpoint.MODEL_CONFIG;
            case "infer" -> Endpoint.MODEL_INFER;
            case "stats" -> Endpoint.MODEL_STATS;
            default -> null;
        };
        return e == null ? null : new Route(e, model, version);
    }

    /**
     * {@code v2/systemsharedmemory[/region/{r}]/(status|register|unregister)}, and the same under
     * {@code cudasharedmemory}; the region name travels in {@link #model}, empty when the path names none.
     */
    private static Route sharedMemory(List<String> s) {
        int n = s.size();
        String region;
        if (n == 3) {
            region = "";
        } else if (n == 5 && s.get(2).equals("region")) {
            region = s.get(3);
        } else {
            return null;
        }
        boolean system = s.get(1).equals("systemsharedmemory");
        Endpoint e = switch (s.get(n - 1)) {
            case "status" -> system ? Endpoint.SYSTEM_SHM_STATUS : Endpoint.CUDA_SHM_STATUS;
            case "register" -> system ? Endpoint.SYSTEM_SHM_REGISTER : Endpoint.CUDA_SHM_REGISTER;
            case "unregister" -> system ? Endpoint.SYSTEM_SHM_UNREGISTER : Endpoint.CUDA_SHM_UNREGISTER;
            default -> null;
        };
        return e == null ? null : new Route(e, region, "");
    }

    /** {@code v2/repository[/{repo}]/index} and {@code v2/repository[/{repo}]/models/{m}/load|unload}. */
    private static Route repository(List<String> s) {
        int n = s.size();
        if ((n == 3 || n == 4) && s.get(n - 1).equals("index")) {
            return new Route(Endpoint.REPOSITORY_INDEX, null, "");
        }
        if ((n == 5 || n == 6) && s.get(n - 3).equals("models")) {
            Endpoint e = switch (s.get(n - 1)) {
                case "load" -> Endpoint.MODEL_LOAD;
                case "unload" -> Endpoint.MODEL_UNLOAD;
                default -> null;
            };
            if (e == null) {
                return null;
            }
            return new Route(n == 6 ? Endpoint.REPOSITORY_NAMED : e, s.get(n - 2), "");
        }
        return null;
    }

    private static String checkVersion(String version) {
        ErrorTexts.parseVersion(version);
        return version;
    }

    /** Splits the raw path on '/', dropping empty segments, and percent-decodes each segment on its own. */
    private static List<String> segments(String uri) {
        String path = new QueryStringDecoder(uri).rawPath();
        List<String> out = new ArrayList<>(6);
        int start = 0;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            if (end > start) {
                out.add(percentDecode(path.substring(start, end)));
            }
            start = end + 1;
        }
        return out;
    }

    /**
     * Decodes %XX escapes as UTF-8; unlike query decoding, '+' stays '+'. A broken escape is kept as it is. Request
     * paths are ASCII on the wire, so other characters are copied through.
     */
    private static String percentDecode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length() && hex(segment.charAt(i + 1)) >= 0
                    && hex(segment.charAt(i + 2)) >= 0) {
                bytes.write(hex(segment.charAt(i + 1)) * 16 + hex(segment.charAt(i + 2)));
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
