package io.tensorline.server.cli;

import io.tensorline.server.repository.ModelControlMode;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.repository.s3.S3Location;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model-control settings of {@code tensorline serve}, with Triton's flag names and rules.
 *
 * @param repositories    every {@code --model-repository} root
 * @param loadModels      {@code --load-model} (explicit mode only; {@code *} alone loads everything)
 * @param pollSecs        {@code --repository-poll-secs}; forced to 0 outside poll mode, as in Triton
 * @param loadThreads     {@code --model-load-thread-count}
 * @param strictReadiness {@code --strict-readiness}
 * @param configName      {@code --model-config-name}; empty for config.pbtxt
 * @param s3              the {@code s3://} roots; each one's local mirror ({@link S3Location#repository()}) is in
 *                        {@code repositories}, in its place among the others
 */
public record ModelControlOptions(List<Path> repositories, ModelControlMode mode, List<String> loadModels,
                                  int pollSecs, int loadThreads, boolean strictReadiness, String configName,
                                  List<S3Location> s3) {

    public ModelControlOptions {
        repositories = List.copyOf(repositories);
        loadModels = List.copyOf(loadModels);
        s3 = List.copyOf(s3);
    }

    /** Local repositories only. */
    public ModelControlOptions(List<Path> repositories, ModelControlMode mode, List<String> loadModels,
                               int pollSecs, int loadThreads, boolean strictReadiness, String configName) {
        this(repositories, mode, loadModels, pollSecs, loadThreads, strictReadiness, configName, List.of());
    }

    /** Triton's defaults over one repository root: mode none, four load threads, strict readiness. */
    public static ModelControlOptions defaults(Path repository) {
        return new ModelControlOptions(List.of(repository), ModelControlMode.NONE, List.of(), 0, 4, true, "");
    }

    /** Declares the flags (besides {@code --model-repository}, which {@link ServeOptions} declares). */
    static Flags declare(Flags f) {
        return f.declareRepeatable("load-model", "NAME",
                        "model to load at start-up in explicit mode ('*': every model)")
                .declare("repository-poll-secs", "SECS", "15", "poll mode: seconds between repository rescans")
                .declare("model-load-thread-count", "N", "4", "models loaded at the same time")
                .declareBool("strict-readiness", true,
                        "/v2/health/ready needs every model ready (false: ready while the server serves)")
                .declare("model-config-name", "NAME", "",
                        "read <model>/configs/<NAME>.pbtxt instead of config.pbtxt where it exists");
    }

    static ModelControlOptions from(Flags f) throws Flags.UsageException {
        List<Path> roots = new ArrayList<>();
        List<S3Location> s3 = new ArrayList<>();
        List<String> given = f.getAll("model-repository");
        for (String r : given.isEmpty() ? List.of(f.get("model-repository")) : given) {
            if (S3Location.isS3(r)) {
                try {
                    S3Location l = S3Location.parse(r, cacheRoot());
                    s3.add(l);
                    roots.add(l.repository());
                } catch (IllegalArgumentException e) {
                    throw new Flags.UsageException("--model-repository=" + e.getMessage());
                }
                continue;
            }
            Path p = Path.of(r);
            if (!Files.isDirectory(p)) {
                throw new Flags.UsageException("--model-repository=" + p
                        + " is not a directory (expected: a model repository root)");
            }
            roots.add(p);
        }
        ModelControlMode mode;
        try {
            mode = ModelControlMode.parse(f.get("model-control-mode"));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
        List<String> load = f.getAll("load-model");
        if (!load.isEmpty() && mode != ModelControlMode.EXPLICIT) {
            throw new Flags.UsageException("Use of '--load-model' requires setting '--model-control-mode=explicit' "
                    + "as well.");
        }
        if (load.contains("*") && load.size() > 1) {
            throw new Flags.UsageException("Wildcard model name '*' must be the ONLY startup model if specified "
                    + "at all.");
        }
        int poll = f.getInt("repository-poll-secs", 0, Integer.MAX_VALUE);
        if (f.has("model-config-name") && f.get("model-config-name").isEmpty()) {
            throw new Flags.UsageException("--model-config-name= (expected: a config name, e.g. 'prod' for "
                    + "<model>/configs/prod.pbtxt)");
        }
        return new ModelControlOptions(roots, mode, load, mode == ModelControlMode.POLL ? poll : 0,
                f.getInt("model-load-thread-count", 1, 1024), f.getBool("strict-readiness"),
                f.get("model-config-name"), s3);
    }

    /** Where remote repositories are mirrored: {@code $TENSORLINE_CACHE_DIR}, else {@code build/tensorline-cache}. */
    static Path cacheRoot() {
        String dir = System.getenv("TENSORLINE_CACHE_DIR");
        return dir == null || dir.isBlank() ? Path.of("build", "tensorline-cache") : Path.of(dir);
    }

    /** These settings applied to the registry's options. */
    RepositoryModelRegistry.Options apply(RepositoryModelRegistry.Options o) {
        return o.withLoadThreads(loadThreads).withConfigName(configName).withStrictReadiness(strictReadiness)
                .withModelControl(mode, loadModels, pollSecs);
    }
}
