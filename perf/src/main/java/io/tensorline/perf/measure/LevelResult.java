package io.tensorline.perf.measure;

import io.tensorline.perf.cli.LoadLevel;

/**
 * The reported figures of one load level: the last {@link Stability#WINDOWS} windows merged (fewer when
 * {@code --max-trials} allows fewer), and whether they were stable.
 */
public record LevelResult(LoadLevel level, Measurement summary, boolean stable, int trials) {
}
