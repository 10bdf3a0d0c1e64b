package io.tensorline.server.core;

import java.util.List;

/** Server metadata: name, version and the protocol extensions it offers. */
public record ServerInfo(String name, String version, List<String> extensions) {

    public ServerInfo {
        extensions = List.copyOf(extensions);
    }
}
