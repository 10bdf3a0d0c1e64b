package io.tensorline.server.scheduler;

/** Where the batcher sends a batch: to the idle instance named in it. Must not block the batcher thread. */
@FunctionalInterface
interface BatchRunner {

    void run(Batch batch);
}
