package dev.tandem.monitoring.core;

import dev.tandem.features.drift.DriftReference;
import java.util.OptionalDouble;

/**
 * Where the app finds what a model version's card says: its {@link DriftReference} and its offline AUC per stage
 * ({@link ModelCards}).
 */
@FunctionalInterface
public interface DriftReferences {
    /** The reference of a model version, or null when there is none (no card, or a card without one). */
    DriftReference find(String model, String version);

    /** The card's validation AUC of a stage ({@code stages.<stage>.auc}), if there is a card that has one. */
    default OptionalDouble cardAuc(String model, String version, String stage) {
        return OptionalDouble.empty();
    }

    /** No references at all: no PSI for any model. */
    DriftReferences NONE = (model, version) -> null;
}
