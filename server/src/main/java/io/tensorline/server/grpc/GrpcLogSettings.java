package io.tensorline.server.grpc;

import io.tensorline.proto.LogSettingsRequest;
import io.tensorline.proto.LogSettingsResponse;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.logging.LogSettings;
import io.tensorline.server.logging.LogSettingsUpdate;

import java.util.Map;

/** The {@code LogSettings} RPC: Triton's keys, value kinds and refusals over the logging control. */
final class GrpcLogSettings {

    private GrpcLogSettings() {
    }

    static LogSettingsResponse answer(LogSettingsRequest request, LogControl control) {
        if (control == null) {
            throw new InferenceException(ErrorCode.UNSUPPORTED, "the logging extension is not offered by this server "
                    + "(its slf4j backend is not Logback)");
        }
        LogSettings result = control.settings();
        if (!request.getSettingsMap().isEmpty()) {
            LogSettingsUpdate update = new LogSettingsUpdate(result, true);
            request.getSettingsMap().forEach((key, v) -> update.set(key, switch (v.getParameterChoiceCase()) {
                case BOOL_PARAM -> v.getBoolParam();
                case UINT32_PARAM -> Integer.toUnsignedLong(v.getUint32Param());
                case STRING_PARAM -> v.getStringParam();
                case PARAMETERCHOICE_NOT_SET -> java.util.List.of();
            }));
            result = control.update(update.result());
        }
        LogSettingsResponse.Builder b = LogSettingsResponse.newBuilder();
        for (Map.Entry<String, Object> e : LogSettingsUpdate.describe(result).entrySet()) {
            LogSettingsResponse.SettingValue.Builder v = LogSettingsResponse.SettingValue.newBuilder();
            if (e.getValue() instanceof Boolean bool) {
                v.setBoolParam(bool);
            } else if (e.getValue() instanceof Long n) {
                v.setUint32Param((int) (long) n);
            } else {
                v.setStringParam((String) e.getValue());
            }
            b.putSettings(e.getKey(), v.build());
        }
        return b.build();
    }
}
