package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static dev.tandem.inference.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RequestFeatureJoinTest {
    private final FeatureEncoder enc = new FeatureEncoder(SPEC);
    private KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> h;

    @BeforeEach
    void setUp() throws Exception {
        h = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new RequestFeatureJoin(SPEC), UserInput::getUserId, Types.STRING, RequestFeatureJoin.ITEMS);
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private List<EncodedRequest> out() {
        return h.extractOutputValues();
    }

    private int[] userSeqItems(UserFeatures f, long t) {
        UserVector uv = enc.newUserVector();
        enc.encodeUser(f, t, uv);
        return uv.seqItem();
    }

    private float[] userDense(UserFeatures f, long t) {
        UserVector uv = enc.newUserVector();
        enc.encodeUser(f, t, uv);
        return uv.dense();
    }

    @Test
    void rawRequestsAreDecodedHereOnceAndRefusedOnesGoToDeadLetters() throws Exception {
        String registry = "mock://join-raw-requests";
        var raw = rawJoin(registry);
        try (raw) {
            UserFeatures f = features("u1", 10_000, 4, 4);
            var good = request("r1", "u1", 20_000, "i1", "i2");
            var empty = request("r2", "u1", 20_000, new String[0]);
            raw.processElement(UserInput.of(f), 1);
            raw.processElement(routed("u1", good, registry, 7), 2);
            raw.processElement(routed("u1", empty, registry, 8), 3);
            // routed under another user than its bytes name: never scored with that user's features
            raw.processElement(routed("u2", good, registry, 9), 4);
            h.processElement(UserInput.of(f), 1);
            h.processElement(UserInput.of(good), 2);

            List<EncodedRequest> fromRaw = raw.extractOutputValues();
            assertThat(fromRaw)
                    .singleElement()
                    .usingRecursiveComparison()
                    .withComparatorForType(Double::compare, Double.class) // unknown prices are NaN: equal here
                    .ignoringFields("receivedAtMs", "source")
                    .isEqualTo(out().get(0));
            assertThat(fromRaw.get(0).source.offset)
                    .as("the record it was read from, for a dead letter at scoring time")
                    .isEqualTo(7);
            assertThat(out().get(0).source).as("given decoded: no record").isNull();
            assertThat(raw.getSideOutput(RequestDecoder.DEAD_LETTERS))
                    .extracting(d -> d.getValue().reason + "@" + d.getValue().sourceOffset)
                    .containsExactly("no-candidates@8", "deserialization@9");
        }
    }

    @Test
    void featuresBeforeTheRequestAreJoined() throws Exception {
        UserFeatures f = features("u1", 10_000, 4, 4);
        h.processElement(UserInput.of(f), 1);
        h.processElement(UserInput.of(request("r1", "u1", 20_000, "i1", "i2")), 2);

        assertThat(out()).hasSize(1);
        EncodedRequest r = out().get(0);
        assertThat(r.requestId).isEqualTo("r1");
        assertThat(r.featuresAsOf).isEqualTo(10_000L);
        assertThat(r.seqItem).containsExactly(userSeqItems(f, 20_000));
        assertThat(r.userDense).containsExactly(userDense(f, 20_000));
        assertThat(r.itemIds).containsExactly("i1", "i2");
    }

    @Test
    void aRequestBeforeAnyFeaturesIsScoredWithAnEmptyHistoryThenLaterRequestsSeeTheFeatures() throws Exception {
        h.processElement(UserInput.of(request("r1", "u1", 20_000, "i1")), 1);
        UserFeatures f = features("u1", 21_000, 3, 3);
        h.processElement(UserInput.of(f), 2);
        h.processElement(UserInput.of(request("r2", "u1", 22_000, "i1")), 3);

        assertThat(out()).extracting(r -> r.requestId).containsExactly("r1", "r2");
        EncodedRequest first = out().get(0);
        assertThat(first.featuresAsOf).isNull();
        assertThat(first.seqItem).containsOnly(0);
        assertThat(first.userDense).containsExactly(userDense(null, 20_000));
        assertThat(out().get(1).featuresAsOf).isEqualTo(21_000L);
        assertThat(out().get(1).seqItem).containsExactly(userSeqItems(f, 22_000));
    }

    @Test
    void aRequestCarryingItsFeaturesIsScoredWithThemNotWithNewerStateAndTheStateIsLeftAlone() throws Exception {
        UserFeatures before = features("u1", 10_000, 3, 3);
        UserFeatures after = features("u1", 20_000, 4, 4); // the exposure's own update, read first
        h.processElement(UserInput.of(after), 1);
        ScoringRequest exposure = request("e1", "u1", 20_000, "i1");
        exposure.setFeatures(before);
        h.processElement(UserInput.of(exposure), 2);
        h.processElement(UserInput.of(request("r2", "u1", 20_000, "i1")), 3);

        assertThat(out()).extracting(r -> r.requestId).containsExactly("e1", "r2");
        assertThat(out().get(0).featuresAsOf).isEqualTo(10_000L);
        assertThat(out().get(0).seqItem).containsExactly(userSeqItems(before, 20_000));
        assertThat(out().get(0).userDense).containsExactly(userDense(before, 20_000));
        assertThat(out().get(1).featuresAsOf)
                .as("a plain request: the job's own")
                .isEqualTo(20_000L);
        assertThat(out().get(1).userDense).containsExactly(userDense(after, 20_000));
    }

    @Test
    void carriedFeaturesOfVersionZeroMeanNoHistoryEvenWhenTheJobHasSome() throws Exception {
        h.processElement(UserInput.of(features("u1", 20_000, 1, 1)), 1);
        ScoringRequest first = request("e1", "u1", 20_000, "i1");
        first.setFeatures(UserFeatures.newBuilder()
                .setUserId("u1")
                .setAsOf(java.time.Instant.EPOCH)
                .setSequenceVersion(0)
                .build());
        h.processElement(UserInput.of(first), 2);

        EncodedRequest r = out().get(0);
        assertThat(r.featuresAsOf).isNull();
        assertThat(r.seqItem).containsOnly(0);
        assertThat(r.userDense).containsExactly(userDense(null, 20_000));
    }

    @Test
    void carriedFeaturesOfAnotherUserOrATombstoneAreDeadLetters() throws Exception {
        String registry = "mock://join-carried-features";
        var raw = rawJoin(registry);
        try (raw) {
            ScoringRequest other = request("e1", "u1", 20_000, "i1");
            other.setFeatures(features("u2", 10_000, 2, 2));
            ScoringRequest tombstone = request("e2", "u1", 20_000, "i1");
            tombstone.setFeatures(FeatureUpdates.tombstone("u1"));
            ScoringRequest good = request("e3", "u1", 20_000, "i1");
            good.setFeatures(features("u1", 10_000, 2, 2));
            raw.processElement(routed("u1", other, registry, 1), 1);
            raw.processElement(routed("u1", tombstone, registry, 2), 2);
            raw.processElement(routed("u1", good, registry, 3), 3);

            assertThat(raw.extractOutputValues()).extracting(r -> r.requestId).containsExactly("e3");
            assertThat(raw.extractOutputValues().get(0).featuresAsOf).isEqualTo(10_000L);
            assertThat(raw.getSideOutput(RequestDecoder.DEAD_LETTERS))
                    .extracting(d -> d.getValue().reason + "@" + d.getValue().sourceOffset)
                    .containsExactly("key-mismatch@1", "missing-field@2");
        }
    }

    @Test
    void featuresAreKeptPerUser() throws Exception {
        h.processElement(UserInput.of(features("u1", 10_000, 4, 4)), 1);
        h.processElement(UserInput.of(request("r2", "u2", 20_000, "i1")), 2);
        assertThat(out().get(0).featuresAsOf).isNull();
    }

    @Test
    void anOlderUpdateIsIgnoredAndATombstoneClears() throws Exception {
        h.processElement(UserInput.of(features("u1", 10_000, 4, 4)), 1);
        h.processElement(UserInput.of(features("u1", 5_000, 2, 2)), 2);
        h.processElement(UserInput.of(request("r1", "u1", 20_000, "i1")), 3);
        h.processElement(UserInput.of(FeatureUpdates.tombstone("u1")), 4);
        h.processElement(UserInput.of(request("r2", "u1", 20_000, "i1")), 5);
        assertThat(out()).extracting(r -> r.featuresAsOf).containsExactly(10_000L, null);
    }

    @Test
    void aForgetClearsTheUserAndEmitsAForgetMarkerWhereAnExpiryEmitsNothing() throws Exception {
        h.processElement(UserInput.of(features("u1", 10_000, 4, 4)), 1);
        h.processElement(UserInput.of(features("u2", 10_000, 4, 4)), 2);
        h.processElement(UserInput.of(FeatureUpdates.tombstone("u2")), 3);
        assertThat(out())
                .as("an expired user's predictions stay where they are")
                .isEmpty();

        h.processElement(UserInput.of(FeatureUpdates.forget("u1")), 4);
        h.processElement(UserInput.of(FeatureUpdates.forget("u1")), 5); // again: a marker again, nothing else
        h.processElement(UserInput.of(request("r1", "u1", 20_000, "i1")), 6);

        assertThat(out()).hasSize(3);
        assertThat(out().subList(0, 2)).allSatisfy(m -> {
            assertThat(m.forget).isTrue();
            assertThat(m.userId).isEqualTo("u1");
            assertThat(m.requestId).isNull();
            assertThat(m.control).isNull();
        });
        assertThat(out().get(2).forget).isFalse();
        assertThat(out().get(2).featuresAsOf)
                .as("scored with no features after the forget")
                .isNull();
        assertThat(out().get(2).seqItem).containsOnly(0);
    }

    @Test
    void broadcastMetadataEncodesKnownItemsAndUnknownItemsScoreByHashedIdOnly() throws Exception {
        ItemMetadata known = item("i1", "shoes", "acme", 42.0);
        h.processBroadcastElement(BroadcastInput.of(known), 1);
        h.processElement(UserInput.of(request("r1", "u1", 20_000, "i1", "unseen")), 2);

        EncodedRequest r = out().get(0);
        ItemCode k = enc.encodeItem(known);
        ItemCode u = enc.encodeItem("unseen", null, null, null);
        assertThat(r.candItem).containsExactly(k.item(), u.item());
        assertThat(r.candCategory).containsExactly(k.category(), 0);
        assertThat(r.candBrand).containsExactly(k.brand(), 0);
        assertThat(r.candPrice).containsExactly(k.priceBucket(), 0);
        assertThat(k.category()).isNotZero();
        assertThat(k.brand()).isNotZero();
    }

    @Test
    void metadataInTheRequestOverridesTheCatalog() throws Exception {
        h.processBroadcastElement(BroadcastInput.of(item("i1", "shoes", "acme", 42.0)), 1);
        ItemMetadata override = item("i1", "hats", "other", 7.0);
        h.processElement(UserInput.of(request("r1", "u1", 20_000, candidate(override))), 2);

        ItemCode o = enc.encodeItem(override);
        EncodedRequest r = out().get(0);
        assertThat(r.candCategory).containsExactly(o.category());
        assertThat(r.candBrand).containsExactly(o.brand());
        assertThat(r.candPrice).containsExactly(o.priceBucket());
    }

    @Test
    void encodedFeaturesAndCatalogSurviveASnapshotAndRestore() throws Exception {
        UserFeatures f = features("u1", 10_000, 4, 4);
        ItemMetadata known = item("i1", "shoes", "acme", 42.0);
        h.processElement(UserInput.of(f), 1);
        h.processBroadcastElement(BroadcastInput.of(known), 1);
        OperatorSubtaskState snapshot = h.snapshot(1L, 2L);

        try (KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> restored =
                restore(snapshot)) {
            // an older update is still refused after the restore: as_of and sequence_version came back too
            restored.processElement(UserInput.of(features("u1", 5_000, 2, 2)), 3);
            restored.processElement(UserInput.of(request("r1", "u1", 20_000, "i1")), 4);
            List<EncodedRequest> out = restored.extractOutputValues();
            assertThat(out).hasSize(1);
            EncodedRequest r = out.get(0);
            UserVector uv = enc.newUserVector();
            enc.encodeUser(f, 20_000, uv);
            assertThat(r.featuresAsOf).isEqualTo(10_000L);
            assertThat(r.seqItem).containsExactly(uv.seqItem());
            assertThat(r.seqTimeGap).containsExactly(uv.seqTimeGap());
            assertThat(r.userDense).containsExactly(uv.dense());
            assertThat(r.candCategory).containsExactly(enc.encodeItem(known).category());
        }
    }

    @Test
    void aLargeCatalogAndItsUpdatesSurviveRestoresOneAfterTheOther() throws Exception {
        for (int i = 0; i < 2_000; i++)
            h.processBroadcastElement(BroadcastInput.of(item("i" + i, "c" + (i % 40), "b" + (i % 9), (double) i)), 1);
        OperatorSubtaskState first = h.snapshot(1L, 2L);
        ItemMetadata updated = item("i7", "boots", "other", 99.0);
        try (KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> once =
                restore(first)) {
            once.processBroadcastElement(BroadcastInput.of(updated), 3);
            once.processBroadcastElement(BroadcastInput.of(item("new", "hats", "acme", 5.0)), 3);
            OperatorSubtaskState second = once.snapshot(2L, 4L);
            try (KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> twice =
                    restore(second)) {
                twice.processElement(UserInput.of(request("r1", "u1", 20_000, "i7", "i1999", "new", "i0")), 5);
                EncodedRequest r = twice.extractOutputValues().get(0);
                assertThat(r.candCategory)
                        .containsExactly(
                                enc.encodeItem(updated).category(),
                                enc.encodeItem(item("i1999", "c39", "b1", 1999.0))
                                        .category(),
                                enc.encodeItem(item("new", "hats", "acme", 5.0)).category(),
                                enc.encodeItem(item("i0", "c0", "b0", 0.0)).category());
                assertThat(r.candPrice[0]).isEqualTo(enc.encodeItem(updated).priceBucket());
            }
        }
    }

    private static KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> restore(
            OperatorSubtaskState s) throws Exception {
        KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> h =
                harness(new RequestFeatureJoin(SPEC));
        h.initializeState(s);
        h.open();
        return h;
    }

    /** The items topic as a test holds it; fails a test that expects the checkpoint, not the topic, to be read. */
    private record ListReplay(List<ItemMetadata> items, boolean allowed) implements CatalogReplay {
        @Override
        public long replay(java.util.function.Consumer<ItemMetadata> sink) {
            if (!allowed) throw new AssertionError("the catalog was replayed, but the checkpoint holds it");
            items.forEach(sink);
            return 0;
        }
    }

    private static KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> harness(
            RequestFeatureJoin join) throws Exception {
        return new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(join, List.<MapStateDescriptor<?, ?>>of(RequestFeatureJoin.ITEMS)),
                UserInput::getUserId,
                Types.STRING,
                1,
                1,
                0);
    }

    private static long broadcastBytes(OperatorSubtaskState s) {
        return s.getManagedOperatorState().stream()
                .mapToLong(org.apache.flink.runtime.state.StateObject::getStateSize)
                .sum();
    }

    @Test
    void aCatalogKeptInTheTopicStaysOutOfCheckpointsAndIsReadFromTheTopicOnRestore() throws Exception {
        List<ItemMetadata> topic = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) topic.add(item("i" + i, "c" + (i % 40), "b" + (i % 9), (double) i));
        ListReplay replay = new ListReplay(topic, true);
        OperatorSubtaskState inState;
        OperatorSubtaskState inTopic;
        try (var checkpointing = harness(new RequestFeatureJoin(SPEC, null, replay, true));
                var notCheckpointing = harness(new RequestFeatureJoin(SPEC, null, replay, false))) {
            for (var j : List.of(checkpointing, notCheckpointing)) {
                j.open();
                for (ItemMetadata m : topic) j.processBroadcastElement(BroadcastInput.of(m), 1);
            }
            inState = checkpointing.snapshot(1L, 2L);
            inTopic = notCheckpointing.snapshot(1L, 2L);
        }
        assertThat(broadcastBytes(inState)).as("2,000 items in broadcast state").isGreaterThan(20_000);
        assertThat(broadcastBytes(inTopic)).as("only the marker").isLessThan(1_000);

        // written to the topic after the checkpoint: the restored catalog is the topic's, newest included
        ItemMetadata updated = item("i7", "boots", "other", 99.0);
        topic.add(updated);
        try (var restored = harness(new RequestFeatureJoin(SPEC, null, replay, false))) {
            restored.initializeState(inTopic);
            restored.open();
            restored.processElement(UserInput.of(request("r1", "u1", 20_000, "i7", "i1999", "unseen")), 3);
            EncodedRequest r = restored.extractOutputValues().get(0);
            assertThat(r.candCategory)
                    .containsExactly(
                            enc.encodeItem(updated).category(),
                            enc.encodeItem(topic.get(1999)).category(),
                            0);
            // and the next checkpoint still leaves it out
            assertThat(broadcastBytes(restored.snapshot(2L, 4L))).isLessThan(1_000);
        }
    }

    @Test
    void switchingWhereTheCatalogIsKeptKeepsItAcrossTheRestore() throws Exception {
        List<ItemMetadata> topic = List.of(item("i1", "shoes", "acme", 42.0));
        OperatorSubtaskState inState;
        try (var j = harness(new RequestFeatureJoin(SPEC, null, new ListReplay(topic, false), true))) {
            j.open();
            j.processBroadcastElement(BroadcastInput.of(topic.get(0)), 1);
            inState = j.snapshot(1L, 2L);
        }
        OperatorSubtaskState inTopic;
        // broadcast state → topic: the checkpoint's catalog is used, the topic not read
        try (var j = harness(new RequestFeatureJoin(SPEC, null, new ListReplay(topic, false), false))) {
            j.initializeState(inState);
            j.open();
            j.processElement(UserInput.of(request("r1", "u1", 20_000, "i1")), 3);
            assertThat(j.extractOutputValues().get(0).candCategory)
                    .containsExactly(enc.encodeItem(topic.get(0)).category());
            inTopic = j.snapshot(2L, 4L);
        }
        // topic → broadcast state: read from the topic once, then checkpointed again
        try (var j = harness(new RequestFeatureJoin(SPEC, null, new ListReplay(topic, true), true))) {
            j.initializeState(inTopic);
            j.open();
            j.processElement(UserInput.of(request("r2", "u1", 20_000, "i1")), 3);
            assertThat(j.extractOutputValues().get(0).candCategory)
                    .containsExactly(enc.encodeItem(topic.get(0)).category());
            assertThat(broadcastBytes(j.snapshot(3L, 5L))).isGreaterThan(broadcastBytes(inTopic));
        }
        // a job that cannot read the topic refuses the checkpoint instead of scoring without a catalog
        try (var blind = harness(new RequestFeatureJoin(SPEC))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> blind.initializeState(inTopic))
                    .hasStackTraceContaining("kept the catalog in the items topic");
        }
    }

    @Test
    void aCatalogUpdateReplacesTheItem() throws Exception {
        h.processBroadcastElement(BroadcastInput.of(item("i1", "shoes", "acme", 42.0)), 1);
        ItemMetadata newer = item("i1", "boots", "acme", 50.0);
        h.processBroadcastElement(BroadcastInput.of(newer), 2);
        h.processElement(UserInput.of(request("r1", "u1", 20_000, "i1")), 3);
        assertThat(out().get(0).candCategory)
                .containsExactly(enc.encodeItem(newer).category());
    }

    /** {@code r} as the router sends it across the keyBy: its wire-format bytes, routed under {@code user}. */
    /** A join that decodes raw requests itself, as the app runs it (ids up to 64 chars). */
    private static KeyedBroadcastOperatorTestHarness<String, UserInput, BroadcastInput, EncodedRequest> rawJoin(
            String registry) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new RequestFeatureJoin(SPEC, new RequestDecoder(registry, 64)),
                UserInput::getUserId,
                Types.STRING,
                RequestFeatureJoin.ITEMS);
    }

    private static UserInput routed(String user, ScoringRequest r, String registry, long offset) {
        return UserInput.ofRaw(user, Fixtures.rawBytes(null, Fixtures.encoded(r, registry), offset));
    }
}
