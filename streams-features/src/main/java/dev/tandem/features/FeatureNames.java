package dev.tandem.features;

import dev.tandem.schemas.topics.TandemTopics;

/** Every topic, store, processor, header and metric name of the features app, in one place. */
public final class FeatureNames {
    private FeatureNames() {}

    // ---------------------------------------------------------------- topics (defaults of FeatureTopics)
    public static final String EVENTS_TOPIC = TandemTopics.EVENTS;
    public static final String ITEMS_TOPIC = TandemTopics.ITEMS;
    public static final String USER_FEATURES_TOPIC = TandemTopics.USER_FEATURES;
    public static final String DEAD_LETTERS_TOPIC = TandemTopics.DEAD_LETTERS;
    /**
     * Optional output: item stats joined with item metadata, JSON (no Avro schema exists for it yet).
     * Not one of the platform's topics: written only when {@link FeatureTopics#itemFeatures()} is set.
     */
    public static final String ITEM_FEATURES_TOPIC = "item-features";

    // ---------------------------------------------------------------- stores
    /** user id → {@code BehaviourSequence} encoding; persistent RocksDB, changelog-backed. */
    public static final String USER_SEQUENCES_STORE = "user-sequences";
    /** item id → {@code ItemStats} encoding; persistent RocksDB, changelog-backed, after the repartition by item. */
    public static final String ITEM_STATS_STORE = "item-stats";
    /** item id → Confluent wire-format {@code ItemMetadata} bytes; a global store fed by the items topic. */
    public static final String ITEM_METADATA_STORE = "item-metadata";

    // ---------------------------------------------------------------- internal topics and processors
    /** Repartition of accepted events by item id: {@code <application.id>-events-by-item-repartition}. */
    public static final String EVENTS_BY_ITEM_REPARTITION = "events-by-item";

    public static final String EVENTS_SOURCE = "events-source";
    public static final String USER_SEQUENCE_PROCESSOR = "user-sequence-processor";
    public static final String ITEM_STATS_PROCESSOR = "item-stats-processor";
    public static final String ITEM_METADATA_SOURCE = "items-source";

    // ---------------------------------------------------------------- metrics (Micrometer names; Prometheus adds
    // _total etc.)
    /** Counter, tag {@link #TAG_OUTCOME}: accepted, duplicate, late. Events/s is its rate. */
    public static final String METRIC_EVENTS = "tandem.features.events";
    /** Counter, tag {@link #TAG_REASON}. */
    public static final String METRIC_DEAD_LETTERS = "tandem.features.dead.letters";
    /** Counter: users expired by the TTL punctuator (tombstones written). */
    public static final String METRIC_EXPIRED_USERS = "tandem.features.expired.users";
    /** Counter: users deleted on a forget signal ({@code tandem forget}). */
    public static final String METRIC_FORGOTTEN_USERS = "tandem.features.forgotten.users";
    /** Counter: scoring requests sent for accepted views (score on exposure, {@code topic.exposure.requests}). */
    public static final String METRIC_EXPOSURE_REQUESTS = "tandem.features.exposure.requests";
    /** Counter: records of the items topic that could not be read (kept out of the metadata join). */
    public static final String METRIC_BAD_ITEMS = "tandem.features.bad.items";
    /** Distribution (seconds): wall clock at processing − event time, for every accepted event. */
    public static final String METRIC_END_TO_END_LAG = "tandem.features.end.to.end.lag";
    /** Gauge, tag {@link #TAG_STORE}: RocksDB's estimate of the entries in the local stores. */
    public static final String METRIC_STORE_ENTRIES = "tandem.features.store.entries";
    /** Counter: records restored into local stores since start (changelogs, global store). */
    public static final String METRIC_RESTORED_RECORDS = "tandem.features.restored.records";
    /** Gauge: 1 when ready (RUNNING, nothing restoring). */
    public static final String METRIC_READY = "tandem.features.ready";

    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_REASON = "reason";
    public static final String TAG_STORE = "store";

    // ---------------------------------------------------------------- HTTP
    public static final String HTTP_FORWARDED_HEADER = "X-Tandem-Forwarded";
}
