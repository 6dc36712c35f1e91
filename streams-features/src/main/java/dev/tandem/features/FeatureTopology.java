package dev.tandem.features;

import static dev.tandem.features.FeatureNames.EVENTS_BY_ITEM_REPARTITION;
import static dev.tandem.features.FeatureNames.EVENTS_SOURCE;
import static dev.tandem.features.FeatureNames.ITEM_METADATA_SOURCE;
import static dev.tandem.features.FeatureNames.ITEM_METADATA_STORE;
import static dev.tandem.features.FeatureNames.ITEM_STATS_PROCESSOR;
import static dev.tandem.features.FeatureNames.ITEM_STATS_STORE;
import static dev.tandem.features.FeatureNames.USER_SEQUENCES_STORE;
import static dev.tandem.features.FeatureNames.USER_SEQUENCE_PROCESSOR;

import dev.tandem.features.metrics.FeatureMetrics;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.streams.ExposureRequests;
import dev.tandem.features.streams.ItemEvent;
import dev.tandem.features.streams.ItemFeatures;
import dev.tandem.features.streams.ItemMetadataUpdater;
import dev.tandem.features.streams.ItemStatsProcessor;
import dev.tandem.features.streams.Routed;
import dev.tandem.features.streams.TtlClock;
import dev.tandem.features.streams.UserFeaturesWriter;
import dev.tandem.features.streams.UserSequenceProcessor;
import dev.tandem.features.validation.EventValidator;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The features topology, a function of its topics, serdes and rules:
 * <pre>
 * events (bytes) ─▶ user-sequence-processor [user-sequences] ─┬▶ UserFeatures ─▶ user-features (key user id; tombstone on expiry)
 *                                                              ├▶ ItemEvent ─▶ repartition by item id ─▶ item-stats-processor [item-stats]
 *                                                              │                    (reads global item-metadata) ─▶ item-features (optional)
 *                                                              └▶ original bytes + tandem.dlq.* headers ─▶ dead-letters
 * items ─▶ item-metadata-processor ─▶ global store item-metadata
 * </pre>
 */
public final class FeatureTopology {
    private FeatureTopology() {}

    /**
     * The rules of the topology beyond the sequence policy.
     *
     * @param userTtl         users whose latest event is older than this (on {@code ttlClock}) are deleted
     *                        and tombstoned; {@link Duration#ZERO} disables expiry
     * @param ttlScanInterval how often (wall clock) the store is scanned for idle users
     * @param ttlClock        what "now" is for the TTL
     * @param maxClockSkew    how far ahead of the wall clock an event time may be before it is dead-lettered
     * @param cachedUsersPerTask how many users' decoded sequences each task keeps in memory (LRU) next to the store,
     *                        so a recently seen user is not decoded from bytes again; 0 disables the cache
     * @param sequenceStoreCaching Kafka Streams' record cache on {@code user-sequences}: a user updated several
     *                        times within a commit interval reaches RocksDB and the changelog once, with its last
     *                        state, when the cache flushes (at every commit, before the transaction commits, so
     *                        exactly-once and restoration are unchanged). {@code user-features} output is not
     *                        affected: it is forwarded by the processor, once per accepted event, not by the cache.
     *                        Off by default: with it the p99 event → user-features latency at 5,000 events/s and
     *                        commit 20 ms was 68–114 ms, without it 42–91 ms (docs/benchmarks.md); on for bulk replays
     * @param itemStats       the item path (repartition by item id, {@code item-stats}, optional {@code item-features});
     *                        off, the topology is the user path alone (one sub-topology)
     */
    public record Options(
            Duration userTtl,
            Duration ttlScanInterval,
            TtlClock ttlClock,
            Duration maxClockSkew,
            int cachedUsersPerTask,
            boolean sequenceStoreCaching,
            boolean itemStats) {
        /** Decoded sequences kept per task by default (about 15 KB each under the default policy once warm). */
        public static final int DEFAULT_CACHED_USERS_PER_TASK = 1_000;

        public Options(Duration userTtl, Duration ttlScanInterval, TtlClock ttlClock, Duration maxClockSkew) {
            this(userTtl, ttlScanInterval, ttlClock, maxClockSkew, DEFAULT_CACHED_USERS_PER_TASK);
        }

        public Options(
                Duration userTtl,
                Duration ttlScanInterval,
                TtlClock ttlClock,
                Duration maxClockSkew,
                int cachedUsersPerTask) {
            this(userTtl, ttlScanInterval, ttlClock, maxClockSkew, cachedUsersPerTask, false, true);
        }

        public Options {
            if (cachedUsersPerTask < 0) throw new IllegalArgumentException("cachedUsersPerTask must not be negative");
            Objects.requireNonNull(userTtl, "userTtl");
            Objects.requireNonNull(ttlScanInterval, "ttlScanInterval");
            Objects.requireNonNull(ttlClock, "ttlClock");
            Objects.requireNonNull(maxClockSkew, "maxClockSkew");
            if (userTtl.isNegative()) throw new IllegalArgumentException("userTtl must not be negative");
            if (ttlScanInterval.toMillis() < 1)
                throw new IllegalArgumentException("ttlScanInterval must be at least 1 ms");
            if (maxClockSkew.isNegative()) throw new IllegalArgumentException("maxClockSkew must not be negative");
        }

        /** TTL 30 days on event time, scanned every minute; events up to 5 minutes in the future. */
        public static Options defaults() {
            return new Options(Duration.ofDays(30), Duration.ofMinutes(1), TtlClock.EVENT_TIME, Duration.ofMinutes(5));
        }
    }

    public static Topology build(
            FeatureTopics topics,
            FeatureSerdes serdes,
            SequencePolicy policy,
            Options options,
            FeatureMetrics metrics) {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(serdes, "serdes");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(metrics, "metrics");
        StreamsBuilder b = new StreamsBuilder();
        var sequences = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(USER_SEQUENCES_STORE), Serdes.String(), Serdes.ByteArray());
        // Cached (optional, for replays): the processor forwards its own output, so the cache only coalesces the writes
        // of a user updated several times per commit interval into one RocksDB put and one changelog record at the
        // commit.
        b.addStateStore(options.sequenceStoreCaching() ? sequences.withCachingEnabled() : sequences);
        // Cached: popular items change many times per commit interval; the cache sends only their last state to the
        // changelog at each commit (the item processor forwards nothing downstream through the store).
        if (options.itemStats()) {
            b.addStateStore(Stores.keyValueStoreBuilder(
                            Stores.persistentKeyValueStore(ITEM_STATS_STORE), Serdes.String(), Serdes.ByteArray())
                    .withCachingEnabled());
        }
        // Global: every instance (and the item processor of every task) sees the whole catalog, without
        // co-partitioning the items topic with the repartition topic. The topic is its changelog.
        b.addGlobalStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(ITEM_METADATA_STORE),
                                Serdes.String(),
                                Serdes.ByteArray())
                        .withLoggingDisabled(),
                topics.items(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(ITEM_METADATA_SOURCE),
                () -> new ItemMetadataUpdater(serdes.itemMetadata().deserializer(), topics.items(), metrics));

        EventValidator validator =
                new EventValidator(policy.maxIdLength(), options.maxClockSkew().toMillis());
        KStream<Object, Routed> routed = b.stream(
                        topics.events(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(EVENTS_SOURCE))
                .process(
                        () -> new UserSequenceProcessor(
                                policy,
                                serdes.userEvent().deserializer(),
                                validator,
                                topics.events(),
                                options,
                                metrics,
                                new UserFeaturesWriter(serdes.userFeatures().serializer(), topics.userFeatures()),
                                topics.exposureRequests() == null
                                        ? null
                                        : new ExposureRequests(
                                                serdes.itemMetadata().deserializer(), topics.items())),
                        Named.as(USER_SEQUENCE_PROCESSOR),
                        USER_SEQUENCES_STORE);

        var branches = routed.split(Named.as("routed-"))
                .branch((k, v) -> v instanceof Routed.Features, Branched.as("features"))
                .branch((k, v) -> v instanceof Routed.Item, Branched.as("items"));
        if (topics.exposureRequests() != null) {
            branches = branches.branch((k, v) -> v instanceof Routed.Exposure, Branched.as("exposures"));
        }
        Map<String, KStream<Object, Routed>> out = branches.defaultBranch(Branched.as("dead-letters"));
        if (topics.exposureRequests() != null) {
            out.get("routed-exposures")
                    .map(
                            (k, v) -> KeyValue.pair((String) k, ((Routed.Exposure) v).request()),
                            Named.as("exposure-request-values"))
                    .to(
                            topics.exposureRequests(),
                            Produced.with(Serdes.String(), serdes.scoringRequest())
                                    .withName("exposure-requests-sink"));
        }

        out.get("routed-features")
                .map(
                        (k, v) -> KeyValue.pair((String) k, ((Routed.Features) v).value()),
                        Named.as("user-features-values"))
                .to(
                        topics.userFeatures(),
                        Produced.with(Serdes.String(), Serdes.ByteArray()).withName("user-features-sink"));

        if (options.itemStats()) {
            KStream<String, ItemFeatures> items = out.get("routed-items")
                    .map((k, v) -> KeyValue.pair((String) k, ((Routed.Item) v).event()), Named.as("events-by-item-key"))
                    .repartition(Repartitioned.<String, ItemEvent>as(EVENTS_BY_ITEM_REPARTITION)
                            .withKeySerde(Serdes.String())
                            .withValueSerde(ItemEvent.serde()))
                    .process(
                            () -> new ItemStatsProcessor(
                                    policy,
                                    serdes.itemMetadata().deserializer(),
                                    topics.items(),
                                    topics.itemFeatures() != null,
                                    metrics),
                            Named.as(ITEM_STATS_PROCESSOR),
                            ITEM_STATS_STORE);
            if (topics.itemFeatures() != null) {
                items.to(
                        topics.itemFeatures(),
                        Produced.with(Serdes.String(), ItemFeatures.jsonSerde()).withName("item-features-sink"));
            }
        }

        out.get("routed-dead-letters")
                .map(
                        (k, v) -> KeyValue.pair(((Routed.DeadLetter) v).key(), ((Routed.DeadLetter) v).value()),
                        Named.as("dead-letter-bytes"))
                .to(
                        topics.deadLetters(),
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters-sink"));
        return b.build();
    }
}
