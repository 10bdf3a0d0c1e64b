package io.tensorline.perf.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.client.InferCodec;
import io.tensorline.perf.PerfException;
import io.tensorline.perf.input.InputSet;
import io.tensorline.perf.model.ModelInfo;
import io.tensorline.perf.model.ServerInfo;
import io.tensorline.perf.model.ServerStats;
import io.tensorline.perf.model.TensorMeta;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.tensorline.proto.InferStatistics;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * gRPC over a bounded number of channels (each its own HTTP/2 connection), used in turn. Inference uses async
 * calls whose callbacks run on the channel's event loop ({@code directExecutor}): they only record and, in
 * concurrency mode, send the next request, which does not block.
 */
public final class GrpcTransport implements Transport {

    private static final long METADATA_DEADLINE_S = 30;

    private final String target;
    private final List<ManagedChannel> channels;
    private final AtomicLong next = new AtomicLong();

    public GrpcTransport(String target, int channelCount) {
        this.target = target;
        List<ManagedChannel> list = new ArrayList<>();
        for (int i = 0; i < Math.max(1, channelCount); i++) {
            list.add(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                    .directExecutor()
                    // a load generator must not resend: retries would hide failures and skew the counts
                    .disableRetry()
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    .build());
        }
        this.channels = List.copyOf(list);
    }

    public int channelCount() {
        return channels.size();
    }

    private GRPCInferenceServiceBlockingStub stub() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channels.get(0))
                .withDeadlineAfter(METADATA_DEADLINE_S, TimeUnit.SECONDS);
    }

    @Override
    public ServerInfo serverMetadata() throws PerfException {
        try {
            ServerMetadataResponse r = stub().serverMetadata(ServerMetadataRequest.getDefaultInstance());
            return new ServerInfo(r.getName(), r.getVersion(), r.getExtensionsList());
        } catch (StatusRuntimeException e) {
            throw failure("ServerMetadata", e);
        }
    }

    @Override
    public ModelInfo modelInfo(String model, String version) throws PerfException {
        ModelMetadataResponse meta;
        try {
            meta = stub().modelMetadata(ModelMetadataRequest.newBuilder().setName(model).setVersion(version).build());
        } catch (StatusRuntimeException e) {
            throw failure("ModelMetadata for model '" + model + "'", e);
        }
        int maxBatchSize = 0;
        boolean configAvailable = true;
        try {
            maxBatchSize = stub().modelConfig(ModelConfigRequest.newBuilder().setName(model).setVersion(version).build())
                    .getConfig().getMaxBatchSize();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
                throw failure("ModelConfig for model '" + model + "'", e);
            }
            configAvailable = false;
        }
        return new ModelInfo(meta.getName(), meta.getVersionsList(), meta.getPlatform(),
                tensors(meta.getInputsList()), tensors(meta.getOutputsList()), maxBatchSize, configAvailable);
    }

    private static List<TensorMeta> tensors(List<ModelMetadataResponse.TensorMetadata> list) {
        List<TensorMeta> out = new ArrayList<>();
        for (ModelMetadataResponse.TensorMetadata t : list) {
            out.add(new TensorMeta(t.getName(), t.getDatatype(), t.getShapeList().stream().mapToLong(Long::longValue).toArray()));
        }
        return out;
    }

    @Override
    public ServerStats modelStatistics(String model, String version) throws PerfException {
        ModelStatisticsResponse r;
        try {
            r = stub().modelStatistics(ModelStatisticsRequest.newBuilder().setName(model).setVersion(version).build());
        } catch (StatusRuntimeException e) {
            throw failure("ModelStatistics for model '" + model + "'", e);
        }
        List<ModelStatistics> all = r.getModelStatsList();
        int i = StatsVersion.pick(all.stream().map(ModelStatistics::getName).toList(),
                all.stream().map(ModelStatistics::getVersion).toList(), model, version);
        if (i < 0) {
            throw new PerfException("ModelStatistics from " + target + " has no entry for model '" + model + "'"
                    + (version.isEmpty() ? "" : " version " + version));
        }
        ModelStatistics s = all.get(i);
        InferStatistics is = s.getInferenceStats();
        return new ServerStats(s.getInferenceCount(), s.getExecutionCount(),
                is.getSuccess().getCount(), is.getSuccess().getNs(),
                is.getQueue().getCount(), is.getQueue().getNs(),
                is.getComputeInput().getCount(), is.getComputeInput().getNs(),
                is.getComputeInfer().getCount(), is.getComputeInfer().getNs(),
                is.getComputeOutput().getCount(), is.getComputeOutput().getNs());
    }

    @Override
    public PreparedInfer prepare(String model, String version, InputSet inputs) {
        // encoded once by the client's codec, whose raw contents wrap the input's (read-only) buffers; read back
        // once so they are plain arrays, which every send serialises with one copy (measurably less per send)
        ModelInferRequest request;
        try {
            request = ModelInferRequest.parseFrom(InferCodec.toGrpc(inputs.request(model, version)).toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the client's encoding does not parse back", e);
        }
        return new GrpcInfer(request, channels, next);
    }

    private PerfException failure(String what, StatusRuntimeException e) {
        return new PerfException(what + " on " + target + " failed: " + e.getStatus().getCode()
                + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            c.shutdown();
        }
        try {
            for (ManagedChannel c : channels) {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            channels.forEach(ManagedChannel::shutdownNow);
            Thread.currentThread().interrupt();
        }
    }
}
