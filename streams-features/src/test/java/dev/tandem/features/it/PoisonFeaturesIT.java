package dev.tandem.features.it;

import static dev.tandem.testkit.CommittedRecords.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.DeadLetterReason;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.PoisonCorpus.Entry;
import dev.tandem.testkit.poison.PoisonCorpus.Kind;
import dev.tandem.testkit.poison.PoisonLedger;
import dev.tandem.testkit.poison.ValidRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison corpus ({@link PoisonCorpus}) on the features app's inputs, each entry between valid records, on a real
 * broker under exactly_once_v2: every refused {@code events} entry is one dead letter with its original key and value
 * and the reason below; the legal odd ones (a huge attribute map, a repeated event) are processed (a repeat is
 * dropped by the sequence's dedup: no dead letter, no second features record); every valid event around them gives
 * its features record; and the app is still running. A bad {@code items} record is counted
 * ({@code tandem.features.bad.items}), not dead-lettered: the catalog is a global store, whose processor cannot
 * forward, and the scoring job, which reads the same topic, dead-letters it (its {@code ScoringPoisonIT}), so each
 * bad item is one dead letter, not two.
 */
@Timeout(120)
class PoisonFeaturesIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension().withPartitions(2);

    /** The reason the features app gives each refused events entry. */
    static final Map<Kind, DeadLetterReason> REASONS = new EnumMap<>(Map.ofEntries(
            Map.entry(Kind.WRONG_MAGIC_BYTE, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.UNKNOWN_SCHEMA_ID, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.TRUNCATED_AVRO, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.TRAILING_BYTES, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.HUGE_LENGTH_PREFIX, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.WRONG_SCHEMA, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.EMPTY_VALUE, DeadLetterReason.DESERIALIZATION),
            Map.entry(Kind.NULL_VALUE, DeadLetterReason.NULL_VALUE),
            Map.entry(Kind.NULL_KEY, DeadLetterReason.KEY_MISMATCH),
            Map.entry(Kind.EMPTY_KEY, DeadLetterReason.KEY_MISMATCH),
            Map.entry(Kind.KEY_MISMATCH, DeadLetterReason.KEY_MISMATCH),
            Map.entry(Kind.NEGATIVE_TIME, DeadLetterReason.INVALID_EVENT),
            Map.entry(Kind.YEAR_3000, DeadLetterReason.FUTURE_EVENT_TIME),
            Map.entry(Kind.HUGE_STRING, DeadLetterReason.ID_TOO_LONG)));

    @TempDir
    Path tmp;

    @Test
    void everyPoisonEventIsADeadLetterAndEveryValidRecordAroundItIsProcessed() throws Exception {
        TandemAvroSerializer<Object> ser = CLUSTER.avroSerializer();
        PoisonCorpus corpus = new PoisonCorpus(ser);
        Instant t0 = Instant.now().minus(Duration.ofHours(1));
        UserEvent base = ValidRecords.event("e-poison", "u-poison", "i-0", Action.VIEW, t0);
        List<Entry> events = corpus.events(base);
        List<Entry> items = corpus.items(ValidRecords.item("i-poison"));
        assertThat(events.stream().filter(Entry::refused).map(Entry::kind))
                .containsExactlyInAnyOrderElementsOf(REASONS.keySet());

        PoisonLedger ledger = new PoisonLedger();
        Map<String, Integer> acceptedPerUser = new HashMap<>();
        // started first: a global store's first load copies the topic without its processor, which would skip the
        // decoding under test
        FeaturesApp app = new FeaturesApp(FeaturesConfig.fromMap(
                        FeaturesItSupport.settings(CLUSTER, "features-poison-it", tmp.resolve("state"))))
                .start();
        await().atMost(Duration.ofSeconds(60)).until(app::isReady);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(FeaturesItSupport.byteProducerProps(CLUSTER))) {
            for (int i = 0; i < items.size(); i++) {
                send(
                        producer,
                        FeatureNames.ITEMS_TOPIC,
                        "i-" + i,
                        ser.serialize(FeatureNames.ITEMS_TOPIC, ValidRecords.item("i-" + i)));
                ledger.send(producer, FeatureNames.ITEMS_TOPIC, items.get(i));
            }
            // the corpus's repeated event is this one
            send(producer, FeatureNames.EVENTS_TOPIC, "u-poison", ser.serialize(FeatureNames.EVENTS_TOPIC, base));
            acceptedPerUser.merge("u-poison", 1, Integer::sum);
            for (int i = 0; i < events.size(); i++) {
                String user = "u-" + i % 5;
                UserEvent e = ValidRecords.event("e-" + i, user, "i-" + i % 7, Action.VIEW, t0.plusMillis(i + 1));
                send(producer, FeatureNames.EVENTS_TOPIC, user, ser.serialize(FeatureNames.EVENTS_TOPIC, e));
                acceptedPerUser.merge(user, 1, Integer::sum);
                ledger.send(producer, FeatureNames.EVENTS_TOPIC, events.get(i));
            }
        }
        // the huge attribute map is a legal event of u-poison with an id of its own; the repeat changes nothing
        acceptedPerUser.merge("u-poison", 1, Integer::sum);
        int accepted =
                acceptedPerUser.values().stream().mapToInt(Integer::intValue).sum();
        long refusedEvents = events.stream().filter(Entry::refused).count();
        long badItems = items.stream()
                .filter(e -> PoisonCorpus.UNREADABLE.contains(e.kind()))
                .count();

        try (CommittedRecords dead = CLUSTER.committed("poison-dead", FeatureNames.DEAD_LETTERS_TOPIC);
                CommittedRecords features = CLUSTER.committed("poison-features", FeatureNames.USER_FEATURES_TOPIC)) {
            features.awaitCount(accepted, Duration.ofSeconds(60));
            dead.awaitCount((int) refusedEvents, Duration.ofSeconds(30));
            // anything extra (a second dead letter, a features record for the repeat) would come within this
            features.drainUntilQuiet(Duration.ofSeconds(1), Duration.ofSeconds(10));
            dead.drainUntilQuiet(Duration.ofSeconds(1), Duration.ofSeconds(10));

            Map<Entry, List<ConsumerRecord<byte[], byte[]>>> matched = ledger.match(dead.records());
            assertThat(matched).as("dead letters of records not in the corpus").doesNotContainKey(null);
            for (Entry e : events) {
                List<ConsumerRecord<byte[], byte[]>> letters = matched.getOrDefault(e, List.of());
                if (!e.refused()) {
                    assertThat(letters)
                            .as("%s is processed, not dead-lettered", e)
                            .isEmpty();
                    continue;
                }
                assertThat(letters).as("one dead letter for %s", e).hasSize(1);
                ConsumerRecord<byte[], byte[]> d = letters.get(0);
                assertThat(d.key()).as("key of %s", e).isEqualTo(e.key());
                assertThat(d.value()).as("value of %s", e).isEqualTo(e.value());
                assertThat(header(d, DeadLetterHeaders.REASON))
                        .as("reason for %s", e)
                        .isEqualTo(REASONS.get(e.kind()).code());
                assertThat(header(d, DeadLetterHeaders.TOPIC)).isEqualTo(FeatureNames.EVENTS_TOPIC);
                assertThat(header(d, DeadLetterHeaders.ERROR_MESSAGE))
                        .as("message for %s", e)
                        .isNotBlank();
            }

            Map<String, Integer> featuresPerUser = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : features.records()) {
                featuresPerUser.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
            assertThat(featuresPerUser)
                    .as("one features record per accepted event")
                    .isEqualTo(acceptedPerUser);

            assertThat(app.isHealthy()).as("still running").isTrue();
            var catalog = app.streams()
                    .store(StoreQueryParameters.fromNameAndType(
                            FeatureNames.ITEM_METADATA_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int i = 0; i < items.size(); i++) {
                    assertThat(catalog.get("i-" + i))
                            .as("valid item i-%d stored", i)
                            .isNotNull();
                }
            });
            // a 100,000-char item id is stored: the catalog has no id bound (the scoring job refuses it)
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(app.meters()
                                    .find(FeatureNames.METRIC_BAD_ITEMS)
                                    .counter()
                                    .count())
                            .as("unreadable items, counted")
                            .isEqualTo(badItems));
        } finally {
            app.close();
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }
}
