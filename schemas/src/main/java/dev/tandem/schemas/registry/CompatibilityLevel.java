package dev.tandem.schemas.registry;

import java.util.Locale;

/** Confluent's compatibility levels. BACKWARD is the default, as on Confluent's server. */
public enum CompatibilityLevel {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    public static final CompatibilityLevel DEFAULT = BACKWARD;

    /** Parses a level name; an unknown name is a 42203 error, the code Confluent answers with. */
    public static CompatibilityLevel parse(String name) {
        if (name == null || name.isBlank()) {
            throw SchemaRegistryException.invalidCompatibilityLevel(String.valueOf(name));
        }
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw SchemaRegistryException.invalidCompatibilityLevel(name);
        }
    }

    /** Whether the new schema must be able to read data written with the old ones. */
    public boolean checksBackward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Whether the old schemas must be able to read data written with the new one. */
    public boolean checksForward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Transitive levels check every live version; the others only the latest one. */
    public boolean transitive() {
        return this == BACKWARD_TRANSITIVE || this == FORWARD_TRANSITIVE || this == FULL_TRANSITIVE;
    }
}
