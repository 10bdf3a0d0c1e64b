package io.tensorline.benchmarks.echo;

import java.nio.file.Path;

/**
 * The command line of the bare servers: {@code --port N}, {@code --model FILE} (the ONNX model they run, by default
 * the bundled {@code simple}) and {@code --threads N} (event loops, one session each; by default one per core).
 */
record BareArgs(int port, Path model, int threads) {

    /** Exits with status 2 and a message naming {@code server} on an argument it does not know. */
    static BareArgs parse(String server, int defaultPort, String[] args) {
        int port = defaultPort;
        Path model = Path.of("model-repository/simple/1/model.onnx");
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value);
                case "--model" -> model = Path.of(value);
                case "--threads" -> threads = Integer.parseInt(value);
                default -> {
                    System.err.println(server + ": unknown argument '" + args[i]
                            + "' (expected: --port N, --model FILE, --threads N)");
                    System.exit(2);
                }
            }
        }
        return new BareArgs(port, model, threads);
    }
}
