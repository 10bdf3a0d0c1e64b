package io.tensorline.server.grpc;

import io.tensorline.proto.TraceSettingRequest;
import io.tensorline.proto.TraceSettingResponse;
import io.tensorline.server.serving.InferenceServer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code TraceSetting} RPC: Triton's keys; an empty value list clears a setting. */
final class GrpcTraceSettings {

    private GrpcTraceSettings() {
    }

    static TraceSettingResponse answer(TraceSettingRequest request, InferenceServer server) {
        Map<String, List<String>> changes = new LinkedHashMap<>();
        request.getSettingsMap().forEach((k, v) -> changes.put(k, v.getValueList()));
        TraceSettingResponse.Builder b = TraceSettingResponse.newBuilder();
        server.traceSetting(request.getModelName(), changes).forEach((k, v) -> b.putSettings(k,
                TraceSettingResponse.SettingValue.newBuilder().addAllValue(v).build()));
        return b.build();
    }
}
