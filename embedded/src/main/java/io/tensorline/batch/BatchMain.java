package io.tensorline.batch;

import io.tensorline.Tensorline;
import io.tensorline.client.TensorlineClient;
import io.tensorline.client.TensorlineException;
import io.tensorline.server.cli.Flags;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code tensorline batch}: scores a file of rows on the embedded server or a remote one. */
public final class BatchMain {

    private BatchMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** @return the exit status: 0 done, 1 the run failed (finished chunks kept), 2 bad usage */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String[] rest = args.length > 0 && args[0].equals("batch") ? java.util.Arrays.copyOfRange(args, 1, args.length)
                : args;
        Path defaultRepo = Path.of(System.getProperty("tensorline.defaultRepository", "model-repository"));
        Flags flags = BatchOptions.flags(defaultRepo);
        BatchOptions o;
        try {
            flags.parse(BatchOptions.expandShortFlags(rest));
            if (flags.getBool("help")) {
                out.println("usage: tensorline batch -m MODEL --input FILE --output FILE [flags]\n\n" + flags.usage());
                return 0;
            }
            o = BatchOptions.from(flags);
        } catch (Flags.UsageException e) {
            err.println("tensorline batch: " + e.getMessage());
            return 2;
        }
        long t0 = System.nanoTime();
        Path[] linkRepository = new Path[1];
        try (TensorlineClient client = connect(o, linkRepository)) {
            BatchRun.Outcome r = new BatchRun(client, o, err).run();
            double secs = (System.nanoTime() - t0) / 1e9;
            if (!r.ok()) {
                err.println("tensorline batch: " + r.failure());
                return 1;
            }
            out.println(String.format(Locale.ROOT, "tensorline batch: %,d rows scored in %.1f s (%,.0f rows/s)%s%s -> %s",
                    r.rows(), secs, r.rowsPerSecond(),
                    r.skippedChunks() > 0 ? ", " + r.skippedChunks() + " finished chunk(s) resumed" : "",
                    r.badRows() > 0 ? ", " + r.badRows() + " bad row(s) in " + o.errors() : "", o.output()));
            return 0;
        } catch (TensorlineException e) {
            err.println("tensorline batch: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("tensorline batch: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("tensorline batch: " + e);
            return 1;
        } finally {
            if (linkRepository[0] != null) {
                removeLinkRepository(linkRepository[0], o.model());
            }
        }
    }

    private static TensorlineClient connect(BatchOptions o, Path[] linkRepository) throws IOException {
        if (o.url() != null) {
            return o.protocol().equals("grpc") ? TensorlineClient.grpc(o.url()).build()
                    : TensorlineClient.http(o.url()).build();
        }
        Path model = o.repository().resolve(o.model());
        if (!Files.isDirectory(model)) {
            throw new TensorlineException(TensorlineException.Status.NOT_FOUND, "no model '" + o.model() + "' in "
                    + o.repository() + " (expected: a folder " + model + ")");
        }
        // the embedded server loads only this model: a repository of one link, removed when the run ends
        Path only = Files.createTempDirectory("tensorline-batch-");
        linkRepository[0] = only;
        Files.createSymbolicLink(only.resolve(o.model()), model.toAbsolutePath());
        return Tensorline.builder().modelRepository(only).build();
    }

    private static void removeLinkRepository(Path dir, String model) {
        try {
            Files.deleteIfExists(dir.resolve(model));
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary folder of one link: the OS cleans it up if we cannot
        }
    }
}
