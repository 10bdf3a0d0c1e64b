package io.tensorline.perf.cli;

/** What a load level fixes: the number of requests outstanding, or the rate at which requests are sent. */
public enum LoadMode {
    CONCURRENCY("Concurrency"),
    REQUEST_RATE("Request Rate");

    private final String label;

    LoadMode(String label) {
        this.label = label;
    }

    /** The name perf_analyzer gives this mode in its CSV header and terminal output. */
    public String label() {
        return label;
    }
}
