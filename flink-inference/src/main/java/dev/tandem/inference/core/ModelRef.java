package dev.tandem.inference.core;

import java.io.Serializable;
import java.util.Objects;

/**
 * A model version the scoring job knows: its name, version and where it was loaded from
 * ({@code location} null for the model the job was started with, which its
 * {@link BatchScorerFactory#create()} makes).
 */
public record ModelRef(String name, String version, String location) implements Serializable {
    public ModelRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
    }

    /** {@code name/version}: the identity of a loaded version (two locations of one version are one version). */
    public String key() {
        return name + "/" + version;
    }

    @Override
    public String toString() {
        return key() + (location == null ? "" : " (" + location + ")");
    }
}
