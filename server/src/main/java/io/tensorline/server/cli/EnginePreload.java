package io.tensorline.server.cli;

import io.tensorline.engine.EngineProvider;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.ModelControlMode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts each engine's native initialisation ({@link EngineProvider#prepare()}) on a daemon thread of its own as
 * soon as the flags are parsed, for the engines the start-up models use, so that loading libtorch, TensorFlow and
 * ONNX Runtime overlaps the rest of the start-up (logging, parsing every config, the transports) and each other:
 * the way to READY is then the slowest engine rather than the scan plus that engine. It only warms the frameworks:
 * which models load, and how each one fails, is still decided by the repository's loaders, which meet any
 * initialisation failure again and report it for their model. Readiness still waits for every model.
 *
 * <p>Off unless {@code -Dtensorline.enginePreload=true}. Which engines a repository uses comes from a quick look at each model's config ({@code backend:} or
 * {@code platform:}), or for a model without either, from the default model file in its version folders; a
 * guess that is wrong costs only the work of initialising an engine early or not at all.
 */
final class EnginePreload {

    private static final Pattern FIELD = Pattern.compile("^\\s*(backend|platform)\\s*:\\s*\"([^\"]*)\"",
            Pattern.MULTILINE);
    private static final Pattern VERSION = Pattern.compile("[0-9]+");
    private static final int MAX_CONFIG_BYTES = 1 << 20;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private EnginePreload() {
    }

    /**
     * {@code -Dtensorline.enginePreload=true} turns the preload on. Off by default: on 2 shared cores it cost 8 to
     * 12 % more CPU to READY and no wall time (docs/performance.md, "Cold start"); it is meant for machines with a
     * free core per framework.
     */
    static final String SWITCH = "tensorline.enginePreload";

    /**
     * Starts {@link EngineProvider#prepare()} for the engines on the class path that {@code o} loads at start
     * (nothing unless {@link #SWITCH} is {@code true}).
     */
    static List<Thread> start(ModelControlOptions o) {
        if (!enabled()) {
            return List.of();
        }
        return start(o, EngineRegistry.fromClassPath());
    }

    static boolean enabled() {
        return "true".equalsIgnoreCase(System.getProperty(SWITCH, "false").strip());
    }

    /** The same with these engines (a thread per engine that has a {@code prepare}; the threads, started). */
    static List<Thread> start(ModelControlOptions o, EngineRegistry engines) {
        List<Thread> threads = new ArrayList<>();
        for (EngineProvider p : used(o, engines)) {
            if (!overridesPrepare(p)) {
                continue;
            }
            Thread t = new Thread(() -> prepare(p), "engine-preload-" + p.backend());
            t.setDaemon(true); // never holds the JVM up: a failed start-up exits without waiting for it
            t.start();
            threads.add(t);
        }
        return threads;
    }

    private static void prepare(EngineProvider p) {
        long t0 = System.nanoTime();
        long cpu0 = CPU.isCurrentThreadCpuTimeSupported() ? CPU.getCurrentThreadCpuTime() : 0;
        try {
            p.prepare();
        } catch (RuntimeException | LinkageError e) {
            // prepare() should not throw; whatever it is, the loads of this engine's models meet it and report it
            log().debug("engine preload: {} failed ({}); its models report it when they load", p.backend(),
                    e.toString());
            return;
        }
        long cpu = CPU.isCurrentThreadCpuTimeSupported() ? CPU.getCurrentThreadCpuTime() - cpu0 : -1_000_000;
        log().debug("engine preload: {} initialised in {} ms ({} ms of CPU)", p.backend(),
                (System.nanoTime() - t0) / 1_000_000, cpu / 1_000_000);
    }

    /** Not a static field: the preload starts before Logback initialises, off the main thread's way. */
    private static Logger log() {
        return LoggerFactory.getLogger(EnginePreload.class);
    }

    static boolean overridesPrepare(EngineProvider p) {
        try {
            return p.getClass().getMethod("prepare").getDeclaringClass() != EngineProvider.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The engines of {@code engines} that the models {@code o} loads at start-up use, in backend order. */
    static List<EngineProvider> used(ModelControlOptions o, EngineRegistry engines) {
        boolean all = o.mode() != ModelControlMode.EXPLICIT || o.loadModels().contains("*");
        Set<EngineProvider> used = new LinkedHashSet<>();
        for (Path root : o.repositories()) {
            for (Path model : models(root, all ? null : o.loadModels())) {
                engineOf(model, o.configName(), engines).ifPresent(used::add);
            }
        }
        List<EngineProvider> sorted = new ArrayList<>(used);
        sorted.sort((a, b) -> a.backend().compareTo(b.backend()));
        return sorted;
    }

    private static List<Path> models(Path root, List<String> names) {
        List<Path> models = new ArrayList<>();
        if (names != null) {
            for (String n : names) {
                Path m = root.resolve(n);
                if (Files.isDirectory(m)) {
                    models.add(m);
                }
            }
            return models;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path m : dirs) {
                if (!m.getFileName().toString().startsWith(".")) {
                    models.add(m);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a readable repository (or a remote one not mirrored yet): the registry reports it
        }
        return models;
    }

    /** The engine a model directory names in its config, else the one whose default file it holds. */
    static Optional<EngineProvider> engineOf(Path model, String configName, EngineRegistry engines) {
        Path config = model.resolve("config.pbtxt");
        if (!configName.isEmpty() && Files.isRegularFile(model.resolve("configs").resolve(configName + ".pbtxt"))) {
            config = model.resolve("configs").resolve(configName + ".pbtxt");
        }
        String backend = null;
        String platform = null;
        try {
            if (Files.isRegularFile(config) && Files.size(config) <= MAX_CONFIG_BYTES) {
                Matcher m = FIELD.matcher(Files.readString(config));
                while (m.find() && (backend == null || platform == null)) {
                    if (m.group(1).equals("backend") && backend == null) {
                        backend = m.group(2);
                    } else if (m.group(1).equals("platform") && platform == null) {
                        platform = m.group(2);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable: the loader reports it
        }
        if (backend != null && !backend.isEmpty()) {
            return engines.byBackend(backend);
        }
        if (platform != null && !platform.isEmpty()) {
            return engines.byPlatform(platform);
        }
        return byDefaultFile(model, engines);
    }

    private static Optional<EngineProvider> byDefaultFile(Path model, EngineRegistry engines) {
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(model,
                v -> Files.isDirectory(v) && VERSION.matcher(v.getFileName().toString()).matches())) {
            for (Path v : versions) {
                for (EngineProvider p : engines.providers()) {
                    if (Files.exists(v.resolve(p.defaultModelFileName()))) {
                        return Optional.of(p);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: the loader reports it
        }
        return Optional.empty();
    }
}
