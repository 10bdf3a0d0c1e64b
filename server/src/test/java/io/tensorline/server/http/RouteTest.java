package io.tensorline.server.http;

import io.tensorline.server.core.InferenceException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouteTest {

    @Test
    void modelPathsWithAndWithoutVersion() {
        assertEquals(new Route(Route.Endpoint.MODEL_METADATA, "m", ""), Route.match("/v2/models/m"));
        assertEquals(new Route(Route.Endpoint.MODEL_INFER, "m", "12"), Route.match("/v2/models/m/versions/12/infer"));
        assertEquals(new Route(Route.Endpoint.MODEL_READY, "m", ""), Route.match("/v2/models/m/ready?x=1"));
        assertEquals(new Route(Route.Endpoint.MODEL_CONFIG, "m", "1"), Route.match("/v2/models/m/versions/1/config"));
    }

    @Test
    void modelsNamedLikeKeywordsStillRoute() {
        assertEquals(new Route(Route.Endpoint.MODEL_READY, "versions", ""), Route.match("/v2/models/versions/ready"));
        assertEquals(new Route(Route.Endpoint.MODEL_METADATA, "infer", ""), Route.match("/v2/models/infer"));
    }

    @Test
    void segmentsArePercentDecodedOneByOne() {
        assertEquals("a/b c+d", Route.match("/v2/models/a%2Fb%20c+d/ready").model());
        assertEquals("ü", Route.match("/v2/models/%C3%BC").model());
        assertEquals("%zz", Route.match("/v2/models/%zz").model());
    }

    @Test
    void repositoryIndexWithOrWithoutRepository() {
        assertEquals(Route.Endpoint.REPOSITORY_INDEX, Route.match("/v2/repository/index").endpoint());
        assertEquals(Route.Endpoint.REPOSITORY_INDEX, Route.match("/v2/repository/r1/index").endpoint());
    }

    @Test
    void unknownPathsDoNotMatch() {
        assertNull(Route.match("/v2/models/m/versions/1/trace"));
        assertNull(Route.match("/v2/models/m/unload"));
        assertNull(Route.match("/v3"));
        assertNull(Route.match("/v2/repository/models/m/reload"));
    }

    @Test
    void repositoryLoadAndUnloadPathsMatch() {
        assertEquals(new Route(Route.Endpoint.MODEL_LOAD, "m", ""), Route.match("/v2/repository/models/m/load"));
        assertEquals(new Route(Route.Endpoint.MODEL_UNLOAD, "m", ""), Route.match("/v2/repository/models/m/unload"));
        assertEquals(new Route(Route.Endpoint.REPOSITORY_NAMED, "m", ""),
                Route.match("/v2/repository/r/models/m/load"));
    }

    @Test
    void nonNumericVersionIsInvalid() {
        InferenceException e = assertThrows(InferenceException.class, () -> Route.match("/v2/models/m/versions/v1"));
        assertEquals("failed to get model version from specified version string 'v1' (details: stol), version "
                + "should be an integral value > 0", e.getMessage());
    }

    @Test
    void statisticsPathsMatch() {
        assertEquals(new Route(Route.Endpoint.MODEL_STATS, "", ""), Route.match("/v2/models/stats"));
        assertEquals(new Route(Route.Endpoint.MODEL_STATS, "m", ""), Route.match("/v2/models/m/stats"));
        assertEquals(new Route(Route.Endpoint.MODEL_STATS, "m", "1"), Route.match("/v2/models/m/versions/1/stats"));
    }
}
