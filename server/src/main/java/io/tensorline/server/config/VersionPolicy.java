package io.tensorline.server.config;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Which of the version folders found on disk are served. */
public sealed interface VersionPolicy {

    /** Picks the served versions from those on disk. */
    List<Long> select(Set<Long> onDisk);

    /** The highest {@code numVersions} versions. */
    record Latest(int numVersions) implements VersionPolicy {
        @Override
        public List<Long> select(Set<Long> onDisk) {
            return new TreeSet<>(onDisk).descendingSet().stream().limit(numVersions).sorted().toList();
        }
    }

    /** Every version on disk. */
    record All() implements VersionPolicy {
        @Override
        public List<Long> select(Set<Long> onDisk) {
            return onDisk.stream().sorted().toList();
        }
    }

    /** Exactly the listed versions (those missing on disk are reported by the loader). */
    record Specific(Set<Long> versions) implements VersionPolicy {
        public Specific {
            versions = Set.copyOf(versions);
        }

        @Override
        public List<Long> select(Set<Long> onDisk) {
            return versions.stream().sorted().toList();
        }
    }
}
