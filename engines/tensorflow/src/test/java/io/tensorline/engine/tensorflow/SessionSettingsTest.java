package io.tensorline.engine.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.proto.ConfigProto;

class SessionSettingsTest {

    @Test
    void aSharedIntraOpPoolGetsEveryCore() throws Exception {
        SessionSettings settings = SessionSettings.from(request(Map.of(), 3, Device.CPU), 8, false);

        assertEquals(new SessionSettings(8, 1, true, "serve", "serving_default", Device.CPU), settings);
    }

    @Test
    void perSessionIntraOpPoolsShareTheCoresBetweenInstances() throws Exception {
        SessionSettings settings = SessionSettings.from(request(Map.of(), 3, Device.CPU), 8, true);

        assertEquals(2, settings.intraOpThreads());
    }

    @Test
    void givesEachInstanceAtLeastOneThread() throws Exception {
        SessionSettings settings = SessionSettings.from(request(Map.of(), 4, Device.CPU), 2, true);

        assertEquals(1, settings.intraOpThreads());
    }

    @Test
    void takesTritonsParameters() throws Exception {
        Map<String, String> parameters = Map.of("TF_NUM_INTRA_THREADS", "3", "TF_NUM_INTER_THREADS", " 0 ",
                "TF_USE_PER_SESSION_THREADS", "Off", "TF_GRAPH_TAG", "serve1", "TF_SIGNATURE_DEF", "serving2");

        SessionSettings settings = SessionSettings.from(request(parameters, 2, Device.gpu(1)), 16, false);

        assertEquals(new SessionSettings(3, 0, false, "serve1", "serving2", Device.gpu(1)), settings);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "two", "", "1.5"})
    void refusesAThreadCountThatIsNotANonNegativeInteger(String value) {
        LoadRequest request = request(Map.of("TF_NUM_INTER_THREADS", value), 1, Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> SessionSettings.from(request, 4, false));

        assertEquals("model 'm': parameter TF_NUM_INTER_THREADS: '" + value + "' (expected: an integer >= 0; 0 lets the engine choose)",
                e.getMessage());
    }

    @Test
    void refusesAFlagThatIsNeitherTrueNorFalse() {
        LoadRequest request = request(Map.of("TF_USE_PER_SESSION_THREADS", "maybe"), 1, Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> SessionSettings.from(request, 4, false));

        assertEquals("model 'm': parameter TF_USE_PER_SESSION_THREADS: 'maybe' (expected: true, on, 1, yes, false,"
                + " off, 0 or no)", e.getMessage());
    }

    @Test
    void refusesAnEmptySignatureName() {
        LoadRequest request = request(Map.of("TF_SIGNATURE_DEF", " "), 1, Device.CPU);

        EngineException e = assertThrows(EngineException.class, () -> SessionSettings.from(request, 4, false));

        assertEquals("model 'm': parameter TF_SIGNATURE_DEF: ' ' (expected: a non-empty name)", e.getMessage());
    }

    @Test
    void aCpuSessionGetsTheThreadsAndNoGpu() {
        ConfigProto config = new SessionSettings(3, 1, true, "serve", "serving_default", Device.CPU).toConfigProto();

        assertEquals(3, config.getIntraOpParallelismThreads());
        assertEquals(1, config.getInterOpParallelismThreads());
        assertTrue(config.getUsePerSessionThreads());
        assertEquals(Map.of("GPU", 0), config.getDeviceCountMap());
        assertFalse(config.hasGpuOptions());
    }

    @Test
    void aGpuSessionSeesOnlyItsGpu() {
        ConfigProto config = new SessionSettings(3, 1, true, "serve", "serving_default", Device.gpu(2))
                .toConfigProto();

        assertEquals("2", config.getGpuOptions().getVisibleDeviceList());
        assertTrue(config.getDeviceCountMap().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "yes"})
    void readsTheOverrideVariableAsSet(String value) {
        assertTrue(SessionSettings.perSessionIntraPools(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "false", "FALSE"})
    void readsTheOverrideVariableAsUnset(String value) {
        assertFalse(SessionSettings.perSessionIntraPools(value));
        assertFalse(SessionSettings.perSessionIntraPools(null));
    }

    private static LoadRequest request(Map<String, String> parameters, int instances, Device device) {
        return new LoadRequest("m", 1, Path.of("model.savedmodel"), device, parameters, List.of(), List.of(), -1,
                instances);
    }
}
