package io.tensorline.server.repository;

import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.VersionPolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads Triton's repository layout: one directory per model, one numeric folder per version. Stateless.
 */
public final class ModelRepositoryScanner {

    /** Positive integers without leading zeros: Triton ignores "01", "0" and anything non-numeric. */
    private static final Pattern VERSION_NAME = Pattern.compile("[1-9][0-9]{0,18}");

    private ModelRepositoryScanner() {
    }

    /**
     * The model directories of a repository, sorted by name. Plain files (a README) and hidden entries are skipped.
     *
     * @throws IllegalArgumentException when {@code repository} is not a directory
     * @throws UncheckedIOException     when it cannot be listed
     */
    public static List<Path> modelDirectories(Path repository) {
        if (!Files.isDirectory(repository)) {
            throw new IllegalArgumentException("model repository: " + repository
                    + " (expected: an existing directory)");
        }
        List<Path> models = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(repository)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && Files.isDirectory(p)) {
                    models.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model repository " + repository, e);
        }
        models.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return models;
    }

    /**
     * The version folders of a model, by version number.
     *
     * @throws ConfigException when there is none, or the directory cannot be listed
     */
    public static SortedMap<Long, Path> versions(String model, Path modelDir) throws ConfigException {
        SortedMap<Long, Path> versions = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(modelDir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (VERSION_NAME.matcher(name).matches() && Files.isDirectory(p)) {
                    versions.put(Long.parseLong(name), p);
                }
            }
        } catch (IOException e) {
            throw ConfigException.of(model, "cannot list %s: %s", modelDir, e);
        }
        if (versions.isEmpty()) {
            throw ConfigException.of(model, "version folders: none in %s (expected: at least one folder named by a "
                    + "positive integer without leading zeros, e.g. 1/)", modelDir);
        }
        return Collections.unmodifiableSortedMap(versions);
    }

    /**
     * The versions the policy serves.
     *
     * @throws ConfigException when a {@code specific} version has no folder
     */
    public static SortedMap<Long, Path> select(String model, VersionPolicy policy, SortedMap<Long, Path> onDisk)
            throws ConfigException {
        SortedMap<Long, Path> selected = new TreeMap<>();
        for (long v : policy.select(onDisk.keySet())) {
            Path dir = onDisk.get(v);
            if (dir == null) {
                throw ConfigException.of(model, "version_policy: version %d has no folder (expected one of the "
                        + "versions on disk: %s)", v, onDisk.keySet());
            }
            selected.put(v, dir);
        }
        return Collections.unmodifiableSortedMap(selected);
    }
}
