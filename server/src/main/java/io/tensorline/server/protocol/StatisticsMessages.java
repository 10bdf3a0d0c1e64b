package io.tensorline.server.protocol;

import io.tensorline.proto.InferBatchStatistics;
import io.tensorline.proto.InferStatistics;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsResponse;

import io.tensorline.server.stats.BatchStatsSnapshot;
import io.tensorline.server.stats.ModelStatsSnapshot;
import io.tensorline.server.stats.StatisticDuration;

import java.util.List;

/**
 * The statistics extension's message, shared by both transports: gRPC sends it as it is, REST prints it as JSON
 * ({@code {"model_stats": [...]}}, durations as {@code {"count", "ns"}}).
 */
public final class StatisticsMessages {

    private StatisticsMessages() {
    }

    public static ModelStatisticsResponse toResponse(List<ModelStatsSnapshot> snapshots) {
        ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
        for (ModelStatsSnapshot s : snapshots) {
            b.addModelStats(toProto(s));
        }
        return b.build();
    }

    static ModelStatistics toProto(ModelStatsSnapshot s) {
        ModelStatistics.Builder m = ModelStatistics.newBuilder()
                .setName(s.name())
                .setVersion(Long.toString(s.version()))
                .setLastInference(s.lastInferenceMillis())
                .setInferenceCount(s.inferenceCount())
                .setExecutionCount(s.executionCount())
                .setInferenceStats(InferStatistics.newBuilder()
                        .setSuccess(duration(s.success()))
                        .setFail(duration(s.failure()))
                        .setQueue(duration(s.queue()))
                        .setComputeInput(duration(s.computeInput()))
                        .setComputeInfer(duration(s.computeInfer()))
                        .setComputeOutput(duration(s.computeOutput()))
                        .setCacheHit(duration(s.cacheHit()))
                        .setCacheMiss(duration(s.cacheMiss())));
        for (BatchStatsSnapshot batch : s.batchStats()) {
            m.addBatchStats(InferBatchStatistics.newBuilder()
                    .setBatchSize(batch.batchSize())
                    .setComputeInput(duration(batch.computeInput()))
                    .setComputeInfer(duration(batch.computeInfer()))
                    .setComputeOutput(duration(batch.computeOutput())));
        }
        return m.build();
    }

    private static io.tensorline.proto.StatisticDuration duration(StatisticDuration d) {
        return io.tensorline.proto.StatisticDuration.newBuilder().setCount(d.count()).setNs(d.nanos()).build();
    }
}
