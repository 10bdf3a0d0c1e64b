package io.tensorline.perf.transport;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.input.InputSet;
import io.tensorline.perf.model.ModelInfo;
import io.tensorline.perf.model.ServerInfo;
import io.tensorline.perf.model.ServerStats;

/**
 * The KServe v2 / Triton protocol as the load generator needs it: the metadata calls, the statistics extension,
 * and inference. Metadata and statistics calls block the caller (they run between or beside the load, never on a
 * transport thread); inference is asynchronous.
 */
public interface Transport extends AutoCloseable {

    ServerInfo serverMetadata() throws PerfException;

    /** Model metadata plus {@code max_batch_size} from the model configuration when the server serves it. */
    ModelInfo modelInfo(String model, String version) throws PerfException;

    /**
     * Cumulative statistics of the model; with an empty {@code version}, of its highest version (as perf_analyzer).
     * Only for servers that list the {@code statistics} extension.
     */
    ServerStats modelStatistics(String model, String version) throws PerfException;

    /** Builds the request once; sending it again does not re-encode the inputs. */
    PreparedInfer prepare(String model, String version, InputSet inputs) throws PerfException;

    /** Releases connections and threads; requests still in flight fail. */
    @Override
    void close();
}
