package io.tensorline.server.config;

import io.tensorline.engine.Device;

import java.util.Objects;

/** Where one instance of a version runs: its instance group and device. */
public record InstancePlacement(String group, Device device) {

    public InstancePlacement {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(device, "device");
    }
}
