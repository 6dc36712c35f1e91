package dev.tandem.features.streams;

import dev.tandem.schemas.UserFeatures;

/** What the user-sequence processor emits; the topology splits it into its three sinks. */
public sealed interface Routed {
    /** New features of the user in the record key; {@code features == null} is a tombstone (user expired). */
    record Features(UserFeatures features) implements Routed {
    }

    /** An accepted event, keyed by item id, on its way to the item-stats repartition. */
    record Item(ItemEvent event) implements Routed {
    }

    /** A rejected record: its original key and value bytes (headers carry the reason). */
    record DeadLetter(byte[] key, byte[] value) implements Routed {
    }
}
