package io.tensorline.server.repository;

import java.nio.file.Path;

/**
 * Where a model's served versions came from, to decide whether a load changes anything.
 *
 * @param dir            the model folder that was read
 * @param fingerprint    the repository folder's files (names, sizes, mtimes) when it was read
 * @param configIdentity the config before completion, as text, to tell a config change from a version change
 * @param configOverride the {@code config} parameter it was loaded with, or null; kept on later plain loads while
 *                       the files do not change (Triton's rule)
 * @param fileOverride   loaded from {@code file:} parameters: the next plain load reads the repository again
 */
record ModelSource(Path dir, String fingerprint, String configIdentity, String configOverride, boolean fileOverride) {
}
