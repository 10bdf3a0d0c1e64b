package io.tensorline.server.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/** {@code tensorline serve [flags]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Every flag {@code tensorline serve} takes, declared (for checks of commands outside the server, too). */
    public static Flags serveFlags(Path defaultRepo) {
        return MetricsOptions.declare(TraceFlags.declare(NetworkOptions.declare(LogFlags.declare(
                ServeOptions.flags(defaultRepo)))));
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: tensorline serve [flags]   (tensorline serve --help lists the flags)");
            return 0;
        }
        if (!args[0].equals("serve")) {
            System.err.println("tensorline: unknown command '" + args[0] + "' (expected: serve)");
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        Path defaultRepo = Path.of(System.getProperty("tensorline.defaultRepository", "model-repository"));
        Flags flags = serveFlags(defaultRepo);
        ServeOptions options;
        io.tensorline.server.logging.LogSettings logSettings;
        NetworkOptions network;
        io.tensorline.server.trace.TraceConfig trace;
        MetricsOptions metrics;
        try {
            flags.parse(rest);
            if (flags.getBool("help")) {
                System.out.println("usage: tensorline serve [flags]\n\n" + flags.usage());
                return 0;
            }
            options = ServeOptions.from(flags);
            logSettings = LogFlags.from(flags);
            network = NetworkOptions.from(flags);
            trace = TraceFlags.from(flags);
            metrics = MetricsOptions.from(flags);
            // every flag is good: with -Dtensorline.enginePreload=true the engines' natives start loading now
            EnginePreload.start(options.modelControl());
        } catch (Flags.UsageException e) {
            System.err.println("tensorline serve: " + e.getMessage());
            return 2;
        }
        TensorlineServer server;
        try {
            server = TensorlineServer.start(options, logSettings, network, trace, metrics);
        } catch (TensorlineServer.StartupException e) {
            System.err.println("tensorline serve: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("tensorline serve: start-up failed: " + e);
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        // looked up here, not in a static field: Logback then initialises after the engine preload has started
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info(server.startupLine());
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
