package io.tensorline.server.repository;

import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.VersionPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModelRepositoryScannerTest {

    @TempDir
    Path repo;

    private Path dir(String relative) throws Exception {
        return Files.createDirectories(repo.resolve(relative));
    }

    @Test
    void everySubdirectoryIsAModelButFilesAndHiddenEntriesAreSkipped() throws Exception {
        dir("b");
        dir("a");
        dir(".git");
        Files.writeString(repo.resolve("README.md"), "models");

        List<Path> models = ModelRepositoryScanner.modelDirectories(repo);

        assertEquals(List.of(repo.resolve("a"), repo.resolve("b")), models);
    }

    @Test
    void aRepositoryThatIsNotADirectoryIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelRepositoryScanner.modelDirectories(repo.resolve("missing")));
        assertEquals("model repository: " + repo.resolve("missing") + " (expected: an existing directory)",
                e.getMessage());
    }

    @Test
    void versionFoldersArePositiveIntegersWithoutLeadingZeros() throws Exception {
        Path m = dir("m");
        dir("m/1");
        dir("m/12");
        dir("m/01");
        dir("m/0");
        dir("m/v3");
        dir("m/configs");
        Files.writeString(m.resolve("7"), "a file, not a folder");

        SortedMap<Long, Path> versions = ModelRepositoryScanner.versions("m", m);

        assertEquals(List.of(1L, 12L), List.copyOf(versions.keySet()));
        assertEquals(m.resolve("12"), versions.get(12L));
    }

    @Test
    void aModelWithoutVersionsIsAnError() throws Exception {
        Path m = dir("m");
        dir("m/01");
        Files.writeString(m.resolve("config.pbtxt"), "");

        ConfigException e = assertThrows(ConfigException.class, () -> ModelRepositoryScanner.versions("m", m));

        assertEquals("model 'm': version folders: none in " + m + " (expected: at least one folder named by a "
                + "positive integer without leading zeros, e.g. 1/)", e.getMessage());
    }

    @Test
    void latestPicksTheHighestVersions() throws Exception {
        SortedMap<Long, Path> onDisk = threeVersions();
        assertEquals(Set.of(2L, 3L),
                ModelRepositoryScanner.select("m", new VersionPolicy.Latest(2), onDisk).keySet());
        assertEquals(Set.of(3L), ModelRepositoryScanner.select("m", new VersionPolicy.Latest(1), onDisk).keySet());
    }

    @Test
    void allPicksEveryVersion() throws Exception {
        assertEquals(Set.of(1L, 2L, 3L),
                ModelRepositoryScanner.select("m", new VersionPolicy.All(), threeVersions()).keySet());
    }

    @Test
    void specificPicksTheListedVersions() throws Exception {
        assertEquals(Set.of(1L, 3L), ModelRepositoryScanner.select("m",
                new VersionPolicy.Specific(Set.of(1L, 3L)), threeVersions()).keySet());
    }

    @Test
    void aSpecificVersionMissingOnDiskIsAnError() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelRepositoryScanner.select("m",
                new VersionPolicy.Specific(Set.of(1L, 7L)), threeVersions()));
        assertEquals("model 'm': version_policy: version 7 has no folder (expected one of the versions on disk: "
                + "[1, 2, 3])", e.getMessage());
    }

    private SortedMap<Long, Path> threeVersions() throws Exception {
        dir("m/1");
        dir("m/2");
        dir("m/3");
        return ModelRepositoryScanner.versions("m", repo.resolve("m"));
    }
}
