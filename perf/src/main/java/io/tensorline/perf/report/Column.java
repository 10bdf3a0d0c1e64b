package io.tensorline.perf.report;

import io.tensorline.perf.measure.LevelResult;

import java.util.function.Function;

/** A named column of the results table and how to render one level's cell. */
public record Column(String name, Function<LevelResult, String> cell) {
}
