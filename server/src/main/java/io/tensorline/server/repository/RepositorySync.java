package io.tensorline.server.repository;

import java.util.List;
import java.util.function.Predicate;

/**
 * Brings local copies of remote repositories (s3://) up to date before the registry reads them: the registry only
 * ever reads local directories, so a remote repository is a mirror plus this hook. Poll mode calls
 * {@link #syncAll} before each scan; explicit mode calls {@link #syncModel} before each load of a model.
 *
 * <p>Threads: {@code syncAll} runs on the {@code model-poll} thread, {@code syncModel} on the {@code model-load-N}
 * pool inside the model's own queue of operations, so a model's files never change under a load of that model.
 */
public interface RepositorySync extends AutoCloseable {

    /** No remote repository: nothing to bring up to date. */
    RepositorySync NONE = new RepositorySync() {
        @Override
        public void syncAll(Predicate<String> busy) {
        }

        @Override
        public void syncModel(String model) {
        }
    };

    /**
     * Brings every model's files up to date, leaving alone the models {@code busy} accepts (being loaded now).
     *
     * @throws RuntimeException with a message naming the repository when the remote cannot be read
     */
    void syncAll(Predicate<String> busy);

    /**
     * Brings one model's files up to date; a model gone from the remote is deleted locally.
     *
     * @throws RuntimeException with a message naming the repository when the remote cannot be read
     */
    void syncModel(String model);

    /** Releases clients and connections. Idempotent. */
    @Override
    default void close() {
    }

    /** All of {@code syncs}, one after another. */
    static RepositorySync of(List<? extends RepositorySync> syncs) {
        List<RepositorySync> all = List.copyOf(syncs);
        if (all.isEmpty()) {
            return NONE;
        }
        return new RepositorySync() {
            @Override
            public void syncAll(Predicate<String> busy) {
                for (RepositorySync s : all) {
                    s.syncAll(busy);
                }
            }

            @Override
            public void syncModel(String model) {
                for (RepositorySync s : all) {
                    s.syncModel(model);
                }
            }

            @Override
            public void close() {
                for (RepositorySync s : all) {
                    s.close();
                }
            }
        };
    }
}
