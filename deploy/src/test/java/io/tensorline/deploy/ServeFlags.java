package io.tensorline.deploy;

import io.tensorline.server.cli.Flags;
import io.tensorline.server.cli.Main;

import java.nio.file.Path;
import java.util.List;

/** Checks serve arguments against the server's own flag declarations, so images and manifests stay in step. */
final class ServeFlags {

    private ServeFlags() {
    }

    /** Parses the arguments as {@code tensorline serve} would; throws with the server's message when one is wrong. */
    static Flags parse(List<String> args) throws Flags.UsageException {
        return Main.serveFlags(Path.of("model-repository")).parse(args.toArray(String[]::new));
    }
}
