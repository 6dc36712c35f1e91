package dev.tandem.features.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeatureTopics;
import dev.tandem.features.FeatureTopology;
import dev.tandem.features.metrics.MicrometerFeatureMetrics;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.testkit.poison.PoisonArbitraries;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.ValidRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The features app's decoding of its inputs, fuzzed with random bytes and mutated valid records, straight through its
 * processors (a TopologyTestDriver commits a transaction per record: 10,000 tries took minutes). An {@code events}
 * record never throws (that would kill the stream thread) and becomes at most one output, and a refused one is a
 * dead letter of its original bytes with a reason; an {@code items} record never throws either and is stored or
 * counted as bad (the global store's processor cannot forward, so an unreadable item is not dead-lettered).
 */
class InputDecodingFuzzTest {
    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final String USER = "u-1";
    private static final String SCOPE = "features-fuzz-" + UUID.randomUUID();
    private static final List<byte[]> VALID = new ArrayList<>();
    private static final List<Integer> IDS = new ArrayList<>();
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();
    private static final FeatureTopics TOPICS = FeatureTopics.defaults();
    private static MockProcessorContext<Object, Routed> events;
    private static UserSequenceProcessor sequences;
    private static MockProcessorContext<Void, Void> items;
    private static ItemMetadataUpdater catalog;
    private static KeyValueStore<String, byte[]> catalogStore;
    private static long offset;

    @BeforeContainer
    static void open() {
        FeatureSerdes serdes = FeatureSerdes.forRegistry("mock://" + SCOPE, Map.of());
        TandemAvroSerializer<Object> ser =
                new TandemAvroSerializer<>(SchemaRegistryClients.forUrl("mock://" + SCOPE, Map.of()), false);
        List<SpecificRecord> valid = new ArrayList<>(ValidRecords.all());
        // events the validator accepts at NOW, so their mutations reach the sequence update too
        for (int i = 0; i < 3; i++) {
            valid.add(ValidRecords.event("e-" + i, USER, "i-" + i, Action.VIEW, NOW.minusSeconds(3600 - i)));
        }
        for (SpecificRecord r : valid) {
            byte[] b = ser.serialize("fuzz-" + r.getSchema().getName(), r);
            VALID.add(b);
            IDS.add(PoisonCorpus.schemaId(b));
        }
        var metrics = new MicrometerFeatureMetrics(METERS);
        SequencePolicy policy = SequencePolicy.defaults();
        FeatureTopology.Options options = FeatureTopology.Options.defaults();

        events = new MockProcessorContext<>();
        events.setCurrentSystemTimeMs(NOW.toEpochMilli());
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(FeatureNames.USER_SEQUENCES_STORE),
                        Serdes.String(),
                        Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        store.init(events.getStateStoreContext(), store);
        events.addStateStore(store);
        sequences = new UserSequenceProcessor(
                policy,
                serdes.userEvent().deserializer(),
                new EventValidator(policy.maxIdLength(), options.maxClockSkew().toMillis()),
                TOPICS.events(),
                options,
                metrics,
                new UserFeaturesWriter(serdes.userFeatures().serializer(), TOPICS.userFeatures()),
                null);
        sequences.init(events);

        items = new MockProcessorContext<>();
        catalogStore = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(FeatureNames.ITEM_METADATA_STORE),
                        Serdes.String(),
                        Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        catalogStore.init(items.getStateStoreContext(), catalogStore);
        items.addStateStore(catalogStore);
        catalog = new ItemMetadataUpdater(serdes.itemMetadata().deserializer(), TOPICS.items(), metrics);
        catalog.init(items);
    }

    @AfterContainer
    static void close() {
        MockSchemaRegistry.drop(SCOPE);
    }

    @Provide
    Arbitrary<byte[]> hostile() {
        return Arbitraries.oneOf(PoisonArbitraries.randomBytes(), PoisonArbitraries.mutated(VALID, IDS));
    }

    @Property(tries = 10_000)
    void anEventIsProcessedOrDeadLetteredOnce(@ForAll("hostile") byte[] value) {
        events.setRecordMetadata(TOPICS.events(), 0, offset++);
        sequences.process(new Record<>(USER.getBytes(StandardCharsets.UTF_8), value, NOW.toEpochMilli()));
        var out = events.forwarded();
        var dead = out.stream()
                .filter(f -> f.record().value() instanceof Routed.DeadLetter)
                .toList();
        events.resetForwards();
        if (dead.isEmpty()) return; // accepted (features, maybe an item event), or dropped as a duplicate or late
        assertThat(out).as("a dead letter is all a refused record yields").hasSize(1);
        assertThat(((Routed.DeadLetter) dead.get(0).record().value()).value()).isEqualTo(value);
        assertThat(dead.get(0).record().headers().lastHeader(DeadLetterHeaders.REASON))
                .isNotNull();
    }

    @Property(tries = 10_000)
    void anItemIsStoredOrCountedAsBad(@ForAll("hostile") byte[] value) {
        double before = badItems();
        catalog.process(new Record<>("i-1", value, NOW.toEpochMilli()));
        boolean stored = Arrays.equals(catalogStore.get("i-1"), value);
        assertThat(stored).as("stored xor counted as bad").isNotEqualTo(badItems() == before + 1);
    }

    private static double badItems() {
        var c = METERS.find(FeatureNames.METRIC_BAD_ITEMS).counter();
        return c == null ? 0 : c.count();
    }
}
