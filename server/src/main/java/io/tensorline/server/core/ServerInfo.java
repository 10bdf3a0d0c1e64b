package io.tensorline.server.core;

import java.util.List;

/**
 * Server metadata: name, version, the protocol extensions it offers, and the engine back-ends found on the class
 * path (a Tensorline addition: REST {@code "backends"}, gRPC {@code ServerMetadataResponse.backends}, field 100).
 */
public record ServerInfo(String name, String version, List<String> extensions, List<String> backends) {

    public ServerInfo {
        extensions = List.copyOf(extensions);
        backends = List.copyOf(backends);
    }

    /** Metadata without back-ends, for servers assembled by hand (tests). */
    public ServerInfo(String name, String version, List<String> extensions) {
        this(name, version, extensions, List.of());
    }
}
