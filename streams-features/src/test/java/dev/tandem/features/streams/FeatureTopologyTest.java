package dev.tandem.features.streams;

import static dev.tandem.features.FeatureNames.METRIC_BAD_ITEMS;
import static dev.tandem.features.FeatureNames.METRIC_DEAD_LETTERS;
import static dev.tandem.features.FeatureNames.METRIC_EVENTS;
import static dev.tandem.features.FeatureNames.METRIC_EXPIRED_USERS;
import static dev.tandem.features.FeatureNames.TAG_OUTCOME;
import static dev.tandem.features.FeatureNames.TAG_REASON;
import static dev.tandem.features.streams.TopologyFixture.NOW;
import static dev.tandem.features.streams.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeatureTopology;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.ItemStats;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.features.sequence.V1Fixtures;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.DeadLetterReason;
import dev.tandem.schemas.topics.ForgetSignal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FeatureTopologyTest {
    private static final long MIN = 60_000;
    private static final long HOUR = 60 * MIN;
    private static final long DAY = 24 * HOUR;
    /** Event times a few hours before the driver's wall clock. */
    private static final long T0 = NOW.toEpochMilli() - 6 * HOUR;
    /** Grace 10 min, otherwise the defaults (maxIdLength 256). */
    private static final SequencePolicy POLICY = SequencePolicy.defaults().withGrace(Duration.ofMinutes(10));

    private static final FeatureTopology.Options OPTIONS = new FeatureTopology.Options(
            Duration.ofDays(1), Duration.ofMinutes(1), TtlClock.EVENT_TIME, Duration.ofMinutes(5));

    private TopologyFixture fx;

    private TopologyFixture fixture(FeatureTopology.Options options) {
        fx = new TopologyFixture(POLICY, options);
        return fx;
    }

    @AfterEach
    void close() {
        if (fx != null) fx.close();
    }

    @Test
    void aStoredFormat1StateIsRestoredAndRewrittenAsFormat2() throws Exception {
        V1Fixtures.Fixture v1 = V1Fixtures.load().get(0);
        fx = new TopologyFixture(v1.policy(), OPTIONS);
        fx.userSequences().put("u1", v1.v1Bytes());
        List<BehaviourEvent> all =
                V1Fixtures.events(v1.seed(), v1.n() + 20, v1.policy().graceMs());
        for (BehaviourEvent e : all.subList(v1.n(), all.size())) {
            pipe(event(e.eventId(), "u1", e.itemId(), e.categoryId(), e.action(), e.eventTimeMs()));
        }
        BehaviourSequence expected = new BehaviourSequence(v1.policy());
        all.forEach(e -> SequenceUpdater.apply(expected, e));
        List<UserFeatures> out = fx.userFeatures.readValuesToList();
        assertThat(out).isNotEmpty();
        assertThat(out.get(out.size() - 1)).isEqualTo(expected.toUserFeatures("u1"));
        byte[] stored = fx.userSequences().get("u1");
        assertThat(stored[0]).isEqualTo((byte) BehaviourSequence.FORMAT_VERSION);
        BehaviourSequence restored = BehaviourSequence.decode(stored, v1.policy());
        assertThat(restored.toUserFeatures("u1")).isEqualTo(expected.toUserFeatures("u1"));
        assertThat(restored.rememberedIds()).isEqualTo(expected.rememberedIds());
    }

    private static BehaviourSequence offline(List<UserEvent> events) {
        BehaviourSequence seq = new BehaviourSequence(POLICY);
        for (UserEvent e : events) SequenceUpdater.apply(seq, e);
        return seq;
    }

    private void pipe(UserEvent e) {
        fx.events.pipeInput(e.getUserId(), e);
    }

    // ------------------------------------------------------------------ decoded-sequence cache

    /** What a run leaves: every user-features record (key, value or tombstone) and the final store bytes. */
    private record Outcome(List<String> features, Map<String, String> store) {}

    private static Outcome runWithCache(int cachedUsers) {
        FeatureTopology.Options options = new FeatureTopology.Options(
                Duration.ofDays(1), Duration.ofMinutes(1), TtlClock.WALL_CLOCK, Duration.ofMinutes(5), cachedUsers);
        try (TopologyFixture f = new TopologyFixture(POLICY, options)) {
            java.util.Random r = new java.util.Random(7);
            for (int i = 0; i < 400; i++) {
                String user = "u" + r.nextInt(6);
                long t = NOW.toEpochMilli() - 2 * DAY + i * MIN - (r.nextInt(4) == 0 ? 2 * HOUR : 0); // some late
                String id = r.nextInt(10) == 0 ? "e" + Math.max(0, i - 3) : "e" + i; // some duplicates
                String item = r.nextInt(50) == 0 ? "x".repeat(300) : Integer.toString(r.nextInt(40)); // some invalid
                UserEvent e = event(id, user, item, Integer.toString(r.nextInt(5)), Action.VIEW, t);
                f.events.pipeInput(user, e);
                if (i == 200) f.driver.advanceWallClockTime(Duration.ofMinutes(1)); // every user idle > 1 day: expired
            }
            List<String> out = f.userFeatures.readKeyValuesToList().stream()
                    .map(kv -> kv.key + "=" + (kv.value == null ? "tombstone" : kv.value.toString()))
                    .toList();
            Map<String, String> store = new java.util.TreeMap<>();
            try (var it = f.userSequences().all()) {
                it.forEachRemaining(kv -> store.put(kv.key, Arrays.toString(kv.value)));
            }
            return new Outcome(out, store);
        }
    }

    @Test
    void theDecodedSequenceCacheChangesNothingVisibleEvenWhenItEvicts() {
        Outcome uncached = runWithCache(0);

        assertThat(uncached.features()).anyMatch(s -> s.endsWith("=tombstone"));
        assertThat(runWithCache(2)).as("6 users through a cache of 2").isEqualTo(uncached);
        assertThat(runWithCache(FeatureTopology.Options.DEFAULT_CACHED_USERS_PER_TASK))
                .isEqualTo(uncached);
    }

    // ------------------------------------------------------------------ sequence rules

    @Test
    void everyAcceptedEventEmitsTheUsersFeaturesAndUpdatesTheStore() {
        fixture(OPTIONS);
        List<UserEvent> in = List.of(
                event("e1", "u1", "100", "7", Action.VIEW, T0),
                event("e2", "u1", "101", "7", Action.CART, T0 + MIN),
                event("e3", "u2", "100", "8", Action.VIEW, T0 + 2 * MIN));
        in.forEach(this::pipe);

        List<TestRecord<String, UserFeatures>> out = fx.userFeatures.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("u1", "u1", "u2");
        assertThat(out.get(0).value()).isEqualTo(offline(in.subList(0, 1)).toUserFeatures("u1"));
        assertThat(out.get(1).value()).isEqualTo(offline(in.subList(0, 2)).toUserFeatures("u1"));
        assertThat(out.get(1).value().getSequenceVersion()).isEqualTo(2);
        assertThat(out.get(2).value()).isEqualTo(offline(in.subList(2, 3)).toUserFeatures("u2"));
        assertThat(fx.userSequences().get("u1"))
                .isEqualTo(offline(in.subList(0, 2)).encode());
        assertThat(fx.counter(METRIC_EVENTS, TAG_OUTCOME, "accepted")).isEqualTo(3);
        assertThat(fx.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void outOfOrderWithinGraceIsInsertedInTimeOrder() {
        fixture(OPTIONS);
        UserEvent later = event("e1", "u1", "100", "7", Action.VIEW, T0 + 5 * MIN);
        UserEvent earlier = event("e2", "u1", "101", "7", Action.CART, T0); // 5 min back: within the 10 min grace
        pipe(later);
        pipe(earlier);

        List<UserFeatures> out = fx.userFeatures.readValuesToList();
        assertThat(out).hasSize(2);
        UserFeatures last = out.get(1);
        assertThat(last.getEvents()).extracting(e -> e.getItemId()).containsExactly("101", "100");
        assertThat(last).isEqualTo(offline(List.of(earlier, later)).toUserFeatures("u1"));
        assertThat(fx.counter(METRIC_EVENTS, TAG_OUTCOME, "late")).isZero();
    }

    @Test
    void lateEventsAreCountedAndKeptOut() {
        fixture(OPTIONS);
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0 + HOUR));
        pipe(event("e2", "u1", "101", "7", Action.CART, T0)); // an hour back: beyond the grace
        pipe(event("e3", "u1", "102", "7", Action.VIEW, T0 + HOUR - 9 * MIN)); // within the grace again

        List<UserFeatures> out = fx.userFeatures.readValuesToList();
        assertThat(out).hasSize(2);
        assertThat(out.get(1).getEvents()).extracting(e -> e.getItemId()).containsExactly("102", "100");
        assertThat(fx.counter(METRIC_EVENTS, TAG_OUTCOME, "late")).isEqualTo(1);
        assertThat(BehaviourSequence.decode(fx.userSequences().get("u1"), POLICY)
                        .lateEvents())
                .isEqualTo(1);
        assertThat(fx.deadLetters.isEmpty())
                .as("late events are not dead letters")
                .isTrue();
        assertThat(fx.itemStats().get("101"))
                .as("late events are kept out of item stats")
                .isNull();
    }

    @Test
    void duplicatesAreCountedAndEmitNothing() {
        fixture(OPTIONS);
        UserEvent e = event("e1", "u1", "100", "7", Action.VIEW, T0);
        pipe(e);
        pipe(e);
        pipe(event("e1", "u1", "999", "9", Action.PURCHASE, T0 + MIN)); // same id, other content: still a duplicate

        assertThat(fx.userFeatures.readValuesToList()).hasSize(1);
        assertThat(fx.counter(METRIC_EVENTS, TAG_OUTCOME, "duplicate")).isEqualTo(2);
        BehaviourSequence stored = BehaviourSequence.decode(fx.userSequences().get("u1"), POLICY);
        assertThat(stored.duplicateEvents()).isEqualTo(2);
        assertThat(stored.sequenceVersion()).isEqualTo(1);
        assertThat(fx.deadLetters.isEmpty()).isTrue();
        assertThat(ItemStats.decode(fx.itemStats().get("100"), POLICY)
                        .window(1, T0)
                        .views())
                .as("a duplicate view is not counted twice for the item")
                .isEqualTo(1);
    }

    // ------------------------------------------------------------------ items

    @Test
    void itemStatsGoThroughARepartitionByItemId() {
        fixture(OPTIONS);
        List<UserEvent> in = List.of(
                event("a1", "u1", "500", "7", Action.VIEW, T0),
                event("a2", "u1", "500", "7", Action.CART, T0 + MIN),
                event("b1", "u2", "500", "7", Action.VIEW, T0 + 2 * MIN),
                event("b2", "u2", "500", "7", Action.PURCHASE, T0 + 3 * MIN),
                event("b3", "u2", "500", "7", Action.FAVORITE, T0 + 4 * MIN), // not tracked by item stats
                event("b4", "u2", "501", "7", Action.VIEW, T0 + 5 * MIN));
        in.forEach(this::pipe);

        ItemStats expected = new ItemStats(POLICY);
        for (UserEvent e : in.subList(0, 4)) expected.record(e);
        assertThat(ItemStats.decode(fx.itemStats().get("500"), POLICY)).isEqualTo(expected);
        assertThat(fx.itemStats().get("501")).isNotNull();

        List<TestRecord<String, ItemFeatures>> out = fx.itemFeatures.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("500", "500", "500", "500", "501");
        ItemFeatures last500 = out.get(3).value();
        assertThat(last500.asOf()).isEqualTo(T0 + 3 * MIN);
        assertThat(last500.windows()).isEqualTo(expected.asOf(T0 + 3 * MIN));
        assertThat(last500.windows().get(1).views()).isEqualTo(2);
        assertThat(last500.windows().get(1).carts()).isEqualTo(1);
        assertThat(last500.windows().get(1).purchases()).isEqualTo(1);

        TopologyDescription d = fx.topology.describe();
        assertThat(d.subtopologies()).hasSize(2);
        assertThat(d.toString()).contains("events-by-item-repartition");
    }

    @Test
    void itemMetadataIsJoinedWherePresent() {
        fixture(OPTIONS);
        ItemMetadata meta = ItemMetadata.newBuilder()
                .setItemId("500")
                .setCategoryPath(List.of("1", "7"))
                .setBrand("acme")
                .setPrice(9.5)
                .setAttributes(Map.of("color", "red"))
                .build();
        fx.items.pipeInput("500", meta);
        fx.rawItems.pipeInput("502", "not avro".getBytes(StandardCharsets.UTF_8));

        pipe(event("a1", "u1", "500", "7", Action.VIEW, T0));
        pipe(event("a2", "u1", "501", "7", Action.VIEW, T0 + MIN));
        pipe(event("a3", "u1", "502", "7", Action.VIEW, T0 + 2 * MIN));
        fx.items.pipeInput("500", null); // tombstone: the item leaves the catalog
        pipe(event("a4", "u1", "500", "7", Action.CART, T0 + 3 * MIN));

        List<ItemFeatures> out = fx.itemFeatures.readValuesToList();
        assertThat(out).hasSize(4);
        assertThat(out.get(0).metadata())
                .isEqualTo(new ItemFeatures.Metadata(List.of("1", "7"), "acme", 9.5, Map.of("color", "red")));
        assertThat(out.get(1).metadata()).as("no metadata for item 501").isNull();
        assertThat(out.get(2).metadata()).as("unreadable metadata is left out").isNull();
        assertThat(out.get(3).metadata()).as("deleted by the tombstone").isNull();
        assertThat(fx.meters.find(METRIC_BAD_ITEMS).counter().count()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ TTL

    @Test
    void usersIdleLongerThanTheTtlOnEventTimeAreDeletedAndTombstoned() {
        fixture(OPTIONS);
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0 - 2 * DAY));
        pipe(event("e2", "u2", "100", "7", Action.VIEW, T0 - DAY + MIN)); // within the TTL of the newest event
        pipe(event("e3", "u3", "100", "7", Action.VIEW, T0));
        fx.userFeatures.readRecordsToList();
        assertThat(fx.userSequences().get("u1"))
                .as("nothing expires before the wall-clock punctuator runs")
                .isNotNull();

        fx.driver.advanceWallClockTime(Duration.ofMinutes(1));

        List<TestRecord<String, UserFeatures>> out = fx.userFeatures.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("u1");
        assertThat(out.get(0).value()).as("tombstone").isNull();
        assertThat(ForgetSignal.isForget(out.get(0).headers()))
                .as("an expiry is not a forget: downstream keeps the serving-store prediction")
                .isFalse();
        assertThat(fx.userSequences().get("u1")).isNull();
        assertThat(fx.userSequences().get("u2")).isNotNull();
        assertThat(fx.userSequences().get("u3")).isNotNull();
        assertThat(fx.meters.find(METRIC_EXPIRED_USERS).counter().count()).isEqualTo(1);

        pipe(event("e4", "u1", "100", "7", Action.VIEW, T0)); // an expired user starts afresh
        assertThat(fx.userFeatures.readValuesToList())
                .singleElement()
                .satisfies(f -> assertThat(f.getSequenceVersion()).isEqualTo(1));
    }

    // ------------------------------------------------------------------ forget

    private static TestRecord<byte[], byte[]> forgetSignal(String user) {
        Headers h = ForgetSignal.mark(new RecordHeaders());
        return new TestRecord<>(user == null ? null : user.getBytes(StandardCharsets.UTF_8), null, h, NOW);
    }

    @Test
    void aForgetSignalDeletesTheUserAndTombstonesItWithTheForgetHeader() {
        fixture(OPTIONS);
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0));
        pipe(event("e2", "u1", "101", "7", Action.CART, T0 + MIN));
        pipe(event("e3", "u2", "100", "7", Action.VIEW, T0 + MIN));
        fx.userFeatures.readRecordsToList();
        assertThat(fx.userSequences().get("u1")).isNotNull();

        fx.rawEvents.pipeInput(forgetSignal("u1"));

        List<TestRecord<String, UserFeatures>> out = fx.userFeatures.readRecordsToList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("u1");
            assertThat(r.value()).as("tombstone").isNull();
            assertThat(ForgetSignal.isForget(r.headers())).isTrue();
        });
        assertThat(fx.userSequences().get("u1")).isNull();
        assertThat(fx.userSequences().get("u2")).as("other users stay").isNotNull();
        assertThat(fx.deadLetters.isEmpty()).isTrue();
        assertThat(fx.meters.find(FeatureNames.METRIC_FORGOTTEN_USERS).counter().count())
                .isEqualTo(1);

        // the same event ids again: the remembered ids went with the sequence, so they count as new
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0));
        assertThat(fx.userFeatures.readValuesToList()).singleElement().satisfies(f -> {
            assertThat(f.getSequenceVersion()).isEqualTo(1);
            assertThat(f.getEvents()).hasSize(1);
        });
    }

    @Test
    void aForgetIsIdempotentAndWorksForUnknownUsers() {
        fixture(OPTIONS);
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0));
        fx.userFeatures.readRecordsToList();
        fx.rawEvents.pipeInput(forgetSignal("u1"));
        fx.rawEvents.pipeInput(forgetSignal("u1"));
        fx.rawEvents.pipeInput(forgetSignal("never-seen"));

        List<TestRecord<String, UserFeatures>> out = fx.userFeatures.readRecordsToList();
        assertThat(out)
                .as("every forget tombstones: state downstream may outlive the features store's")
                .extracting(TestRecord::key)
                .containsExactly("u1", "u1", "never-seen");
        assertThat(out).allSatisfy(r -> {
            assertThat(r.value()).isNull();
            assertThat(ForgetSignal.isForget(r.headers())).isTrue();
        });
        assertThat(fx.userSequences().get("u1")).isNull();
        assertThat(fx.userSequences().get("never-seen")).isNull();
        assertThat(fx.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aForgetWithoutAKeyIsADeadLetterAndABareNullStaysOne() {
        fixture(OPTIONS);
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0));
        fx.userFeatures.readRecordsToList();
        fx.rawEvents.pipeInput(forgetSignal(null));
        fx.rawEvents.pipeInput(new TestRecord<>("u1".getBytes(StandardCharsets.UTF_8), (byte[]) null));

        List<TestRecord<byte[], byte[]>> dead = fx.deadLetters.readRecordsToList();
        assertThat(dead)
                .extracting(r -> new String(
                        r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                .containsExactly(DeadLetterReason.MISSING_USER_ID.code(), DeadLetterReason.NULL_VALUE.code());
        assertThat(fx.userFeatures.isEmpty()).isTrue();
        assertThat(fx.userSequences().get("u1"))
                .as("a bare null forgets nothing")
                .isNotNull();
    }

    @Test
    void onTheWallClockUsersExpireWithoutNewerEvents() {
        fixture(new FeatureTopology.Options(
                Duration.ofDays(1), Duration.ofMinutes(1), TtlClock.WALL_CLOCK, Duration.ofMinutes(5)));
        long now = NOW.toEpochMilli();
        pipe(event("e1", "u1", "100", "7", Action.VIEW, now - DAY + 30_000)); // 30 s short of the TTL
        pipe(event("e2", "u2", "100", "7", Action.VIEW, now - DAY + 5 * MIN));
        fx.userFeatures.readRecordsToList();

        fx.driver.advanceWallClockTime(Duration.ofMinutes(1));
        List<TestRecord<String, UserFeatures>> out = fx.userFeatures.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("u1");
        assertThat(out.get(0).value()).isNull();
        assertThat(fx.userSequences().get("u2")).isNotNull();
    }

    @Test
    void aZeroTtlNeverExpires() {
        fixture(new FeatureTopology.Options(
                Duration.ZERO, Duration.ofMinutes(1), TtlClock.WALL_CLOCK, Duration.ofMinutes(5)));
        pipe(event("e1", "u1", "100", "7", Action.VIEW, T0 - 300 * DAY));
        fx.userFeatures.readRecordsToList();
        fx.driver.advanceWallClockTime(Duration.ofDays(2));
        assertThat(fx.userFeatures.isEmpty()).isTrue();
        assertThat(fx.userSequences().get("u1")).isNotNull();
    }

    // ------------------------------------------------------------------ dead letters

    record Bad(
            String name,
            DeadLetterReason reason,
            byte[] key,
            Function<TopologyFixture, byte[]> value,
            String errorClass) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Function<TopologyFixture, byte[]> avro(UserEvent e) {
        return f -> f.serialize(e);
    }

    private static Function<TopologyFixture, byte[]> bytes(byte[] b) {
        return f -> b;
    }

    static Stream<Arguments> badRecords() {
        String inv = InvalidEventException.class.getName();
        byte[] u1 = "u1".getBytes(StandardCharsets.UTF_8);
        String longUser = "u".repeat(257);
        return Stream.of(
                        new Bad(
                                "garbage bytes",
                                DeadLetterReason.DESERIALIZATION,
                                u1,
                                bytes("{\"user\":\"u1\"}".getBytes(StandardCharsets.UTF_8)),
                                "dev.tandem.schemas.serde.UnknownMagicByteException"),
                        new Bad(
                                "unknown schema id",
                                DeadLetterReason.DESERIALIZATION,
                                u1,
                                bytes(ByteBuffer.allocate(9)
                                        .put((byte) 0)
                                        .putInt(987_654)
                                        .putInt(42)
                                        .array()),
                                "dev.tandem.schemas.serde.UnknownSchemaIdException"),
                        new Bad(
                                "truncated avro",
                                DeadLetterReason.DESERIALIZATION,
                                u1,
                                f -> {
                                    byte[] good = f.serialize(event("x", "u1", "100", "7", Action.VIEW, T0));
                                    return Arrays.copyOf(good, good.length - 3);
                                },
                                "dev.tandem.schemas.serde.TruncatedPayloadException"),
                        new Bad("null value", DeadLetterReason.NULL_VALUE, u1, bytes(null), inv),
                        new Bad(
                                "empty user id",
                                DeadLetterReason.MISSING_USER_ID,
                                new byte[0],
                                avro(event("x", "", "100", "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "key differs from user id",
                                DeadLetterReason.KEY_MISMATCH,
                                "u2".getBytes(StandardCharsets.UTF_8),
                                avro(event("x", "u1", "100", "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "null key",
                                DeadLetterReason.KEY_MISMATCH,
                                null,
                                avro(event("x", "u1", "100", "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "empty item id",
                                DeadLetterReason.MISSING_FIELD,
                                u1,
                                avro(event("x", "u1", "", "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "over-long item id",
                                DeadLetterReason.ID_TOO_LONG,
                                u1,
                                avro(event("x", "u1", "9".repeat(257), "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "over-long user id",
                                DeadLetterReason.ID_TOO_LONG,
                                longUser.getBytes(StandardCharsets.UTF_8),
                                avro(event("x", longUser, "100", "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "over-long event id",
                                DeadLetterReason.ID_TOO_LONG,
                                u1,
                                avro(event("x".repeat(300), "u1", "100", "7", Action.VIEW, T0)),
                                inv),
                        new Bad(
                                "event time beyond the clock skew",
                                DeadLetterReason.FUTURE_EVENT_TIME,
                                u1,
                                avro(event("x", "u1", "100", "7", Action.VIEW, NOW.toEpochMilli() + 5 * MIN + 1)),
                                inv),
                        new Bad(
                                "unknown action",
                                DeadLetterReason.UNKNOWN_ACTION,
                                u1,
                                avro(event("x", "u1", "100", "7", Action.UNKNOWN, T0)),
                                inv),
                        new Bad(
                                "event time out of range",
                                DeadLetterReason.INVALID_EVENT,
                                u1,
                                avro(event("x", "u1", "100", "7", Action.VIEW, -(1L << 61))),
                                inv))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRecords")
    void badRecordsGoToDeadLettersWithTheirOriginalBytesAndReasonHeaders(Bad bad) {
        fixture(OPTIONS);
        byte[] value = bad.value().apply(fx);
        UserEvent before = event("ok-0", "u1", "99", "7", Action.VIEW, T0 - MIN);
        fx.rawEvents.pipeInput("u1".getBytes(StandardCharsets.UTF_8), fx.serialize(before)); // offset 0
        Headers in = new RecordHeaders().add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));
        fx.rawEvents.pipeInput(new TestRecord<>(bad.key(), value, in, NOW));
        UserEvent good = event("ok", "u1", "100", "7", Action.VIEW, T0);
        fx.rawEvents.pipeInput("u1".getBytes(StandardCharsets.UTF_8), fx.serialize(good));

        List<TestRecord<byte[], byte[]>> dead = fx.deadLetters.readRecordsToList();
        assertThat(dead).hasSize(1);
        TestRecord<byte[], byte[]> d = dead.get(0);
        assertThat(d.key()).isEqualTo(bad.key());
        assertThat(d.value()).isEqualTo(value);
        assertThat(header(d, "trace-id")).as("original headers are kept").isEqualTo("abc");
        assertThat(header(d, DeadLetterHeaders.TOPIC)).isEqualTo("events");
        assertThat(header(d, DeadLetterHeaders.PARTITION)).isEqualTo("0");
        assertThat(header(d, DeadLetterHeaders.OFFSET)).isEqualTo("1");
        assertThat(header(d, DeadLetterHeaders.REASON)).isEqualTo(bad.reason().code());
        assertThat(header(d, DeadLetterHeaders.ERROR_CLASS)).isEqualTo(bad.errorClass());
        assertThat(header(d, DeadLetterHeaders.ERROR_MESSAGE)).isNotBlank();
        assertThat(fx.counter(METRIC_DEAD_LETTERS, TAG_REASON, bad.reason().code()))
                .isEqualTo(1);

        assertThat(fx.userFeatures.readValuesToList())
                .as("processing continues after a dead letter")
                .hasSize(2)
                .last()
                .isEqualTo(offline(List.of(before, good)).toUserFeatures("u1"));
        assertThat(fx.counter(
                        METRIC_EVENTS,
                        TAG_OUTCOME,
                        UpdateOutcome.ACCEPTED.name().toLowerCase()))
                .isEqualTo(2);
    }

    private static String header(TestRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
