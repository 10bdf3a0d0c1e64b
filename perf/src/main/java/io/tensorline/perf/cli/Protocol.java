package io.tensorline.perf.cli;

/** The wire protocol, as perf_analyzer's {@code -i}. */
public enum Protocol {
    GRPC("localhost:8001"),
    HTTP("localhost:8000");

    private final String defaultUrl;

    Protocol(String defaultUrl) {
        this.defaultUrl = defaultUrl;
    }

    public String defaultUrl() {
        return defaultUrl;
    }

    static Protocol parse(String value) throws UsageException {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "grpc" -> GRPC;
            case "http" -> HTTP;
            default -> throw new UsageException("-i " + value + " (expected: grpc or http)");
        };
    }
}
