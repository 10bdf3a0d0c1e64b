package io.tensorline.server.repository;

import java.util.Set;

/** A fake engine with the public no-argument constructor {@link java.util.ServiceLoader} needs. */
public final class ServiceLoadedFakeProvider extends FakeEngineProvider {

    public ServiceLoadedFakeProvider() {
        super("service-loaded", Set.of("service_loaded_platform"), "model.sl", 1);
    }
}
