package dev.tandem.features.streams;

/** What the user-sequence processor emits; the topology splits it into its sinks. */
public sealed interface Routed {
    /**
     * New features of the user in the record key, already serialized for the {@code user-features} topic
     * ({@link UserFeaturesWriter}); {@code value == null} is a tombstone (user expired, or forgotten: then the record's headers carry the
     * forget header).
     */
    record Features(byte[] value) implements Routed {}

    /** An accepted event, keyed by item id, on its way to the item-stats repartition. */
    record Item(ItemEvent event) implements Routed {}

    /** Score on exposure: the request an accepted view asks for, keyed by user id ({@link ExposureRequests}). */
    record Exposure(dev.tandem.schemas.ScoringRequest request) implements Routed {}

    /** A rejected record: its original key and value bytes (headers carry the reason). */
    record DeadLetter(byte[] key, byte[] value) implements Routed {}
}
