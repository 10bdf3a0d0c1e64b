package io.tensorline.engine.pytorch;

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

class ThreadSettingsTest {

    @Test
    void sharesTheCoresBetweenInstancesByDefault() throws Exception {
        assertEquals(new ThreadSettings(2, 0), ThreadSettings.from(request(Map.of(), 3), 8));
    }

    @Test
    void givesEachInstanceAtLeastOneThread() throws Exception {
        assertEquals(1, ThreadSettings.from(request(Map.of(), 4), 2).intraOpThreads());
    }

    @Test
    void takesTritonsParameters() throws Exception {
        Map<String, String> parameters = Map.of("INTRA_OP_THREAD_COUNT", "3", "INTER_OP_THREAD_COUNT", " 0 ");

        assertEquals(new ThreadSettings(3, 0), ThreadSettings.from(request(parameters, 2), 16));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "two", "", "1.5"})
    void refusesACountThatIsNotANonNegativeInteger(String value) {
        LoadRequest request = request(Map.of("INTER_OP_THREAD_COUNT", value), 1);

        EngineException e = assertThrows(EngineException.class, () -> ThreadSettings.from(request, 4));

        assertEquals("model 'm': parameter INTER_OP_THREAD_COUNT: '" + value + "' (expected: an integer >= 0; 0 lets"
                + " the engine choose)", e.getMessage());
    }

    private static LoadRequest request(Map<String, String> parameters, int instances) {
        return new LoadRequest("m", 1, Path.of("model.pt"), Device.CPU, parameters, List.of(), List.of(), -1,
                instances);
    }
}
