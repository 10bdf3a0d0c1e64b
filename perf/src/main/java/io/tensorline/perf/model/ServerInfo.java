package io.tensorline.perf.model;

import java.util.List;

/** The server metadata: name, version and the protocol extensions it supports. */
public record ServerInfo(String name, String version, List<String> extensions) {

    public ServerInfo {
        extensions = List.copyOf(extensions);
    }

    public boolean hasStatistics() {
        return extensions.contains("statistics");
    }
}
