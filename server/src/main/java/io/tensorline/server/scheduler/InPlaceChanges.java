package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.server.config.DynamicBatchingSpec;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Changes a running scheduler takes without a reload (Tensorline's own): instances added or removed, dynamic
 * batching settings replaced. Calls for one scheduler must not overlap (the model's lifecycle queue runs them one
 * at a time); requests keep flowing throughout and none fails because of a change.
 */
public interface InPlaceChanges {

    /**
     * Adds {@code added} (their threads start at once and take batches as soon as the change is applied) and
     * removes the instances at {@code removed}, positions in the current instance order: a removed instance takes
     * no new batch, finishes the one it runs, then closes its engine session. The order afterwards is the current
     * one without the removed instances, followed by the added ones.
     *
     * @param added    loaded (and warmed up) engine sessions; the scheduler owns them from now on
     * @param removed  positions in the current order, each at most once
     * @param batching the new dynamic batching settings (the same priority levels and preserve_ordering as now),
     *                 or null to keep the current ones; ignored by a scheduler that does not batch
     * @return completes once the change is applied and every removed instance has closed
     * @throws IllegalStateException when the scheduler is shutting down (the added sessions are then closed)
     */
    CompletableFuture<Void> change(List<LoadedModel> added, List<Integer> removed, DynamicBatchingSpec batching);
}
