package io.tensorline.engine.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionSettingsTest {

    @Test
    void sharesTheCoresBetweenInstancesByDefault() throws Exception {
        SessionSettings settings = SessionSettings.from(request(Map.of(), 3, Device.CPU), 8);

        assertEquals(new SessionSettings(2, 1, Device.CPU, false), settings);
    }

    @Test
    void spinningIsOffUnlessAsked() throws Exception {
        assertEquals(false, SessionSettings.from(request(Map.of(), 1, Device.CPU), 2).allowSpinning());
        assertEquals(true, SessionSettings.from(request(Map.of("allow_spinning", "true"), 1, Device.CPU), 2)
                .allowSpinning());
        EngineException e = assertThrows(EngineException.class,
                () -> SessionSettings.from(request(Map.of("allow_spinning", "yes"), 1, Device.CPU), 2));
        assertEquals("model 'm': parameter allow_spinning: 'yes' (expected: true or false)", e.getMessage());
    }

    @Test
    void givesEachInstanceAtLeastOneThread() throws Exception {
        SessionSettings settings = SessionSettings.from(request(Map.of(), 4, Device.CPU), 2);

        assertEquals(1, settings.intraOpThreads());
    }

    @Test
    void takesTritonsThreadParameters() throws Exception {
        Map<String, String> parameters = Map.of("intra_op_thread_count", "3", "inter_op_thread_count", " 0 ");

        SessionSettings settings = SessionSettings.from(request(parameters, 2, Device.gpu(1)), 16);

        assertEquals(new SessionSettings(3, 0, Device.gpu(1), false), settings);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "two", "", "1.5"})
    void refusesAThreadCountThatIsNotANonNegativeInteger(String value) {
        LoadRequest request = request(Map.of("inter_op_thread_count", value), 1, Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> SessionSettings.from(request, 4));

        assertEquals("model 'm': parameter inter_op_thread_count: '" + value + "' (expected: an integer >= 0; 0 lets the engine choose)",
                e.getMessage());
    }

    private static LoadRequest request(Map<String, String> parameters, int instances, Device device) {
        return new LoadRequest("m", 1, Path.of("model.onnx"), device, parameters, List.of(), List.of(), -1, instances);
    }
}
