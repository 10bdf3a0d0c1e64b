package io.tensorline.server.repository;

import io.tensorline.engine.EngineProvider;
import io.tensorline.server.config.ConfigPipeline;
import io.tensorline.server.config.InstancePlacement;
import io.tensorline.server.config.ModelDocument;

import java.nio.file.Path;
import java.util.List;

/**
 * What a running version was built from, to apply a change in place: the config as prepared (before the model
 * completed it) to compare a new one with, what loads another instance, and where each instance runs, in the
 * scheduler's instance order.
 *
 * @param batchKnown whether max_batch_size was known before the model loaded (what the load requests carry)
 * @param served     the completed config and spec it serves
 */
record VersionBuild(ModelDocument prepared, boolean maxBatchSizeGiven, boolean batchKnown, EngineProvider engine,
                    Path versionDir, List<InstancePlacement> placements, ConfigPipeline.Completed served) {

    VersionBuild {
        placements = List.copyOf(placements);
    }
}
