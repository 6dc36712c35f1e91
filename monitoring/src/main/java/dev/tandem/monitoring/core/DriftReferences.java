package dev.tandem.monitoring.core;

import dev.tandem.features.drift.DriftReference;

/** Where the app finds a model version's {@link DriftReference}: its model card ({@link ModelCards}). */
@FunctionalInterface
public interface DriftReferences {
    /** The reference of a model version, or null when there is none (no card, or a card without one). */
    DriftReference find(String model, String version);

    /** No references at all: no PSI for any model. */
    DriftReferences NONE = (model, version) -> null;
}
