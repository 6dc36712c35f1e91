package dev.tandem.inference.core;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.item;
import static dev.tandem.inference.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The join encodes features once when they arrive ({@link RequestEncoder#encodeUser}) and adds the
 * time-dependent part per request; the result must be exactly what {@link FeatureEncoder#encodeUser}
 * gives at the request time (offline scoring and training use that one).
 */
class RequestEncoderTest {
    private static final Action[] ACTIONS = Action.values();
    private final FeatureEncoder enc = new FeatureEncoder(SPEC);
    private final RequestEncoder re = new RequestEncoder(SPEC);

    private static UserFeatures randomFeatures(Random rnd, long asOf) {
        int n = rnd.nextInt(SPEC.sequenceLength() * 2 + 1);
        List<SequenceEvent> ev = new ArrayList<>();
        long t = asOf - rnd.nextInt(50_000_000);
        for (int i = 0; i < n; i++) {
            t += rnd.nextInt(5_000_000);
            ev.add(SequenceEvent.newBuilder()
                    .setItemId("it-" + rnd.nextInt(1_000))
                    .setCategoryId(rnd.nextInt(4) == 0 ? "" : "c" + rnd.nextInt(30))
                    .setAction(ACTIONS[rnd.nextInt(ACTIONS.length)])
                    .setEventTime(Instant.ofEpochMilli(t))
                    .build());
        }
        List<WindowCount> counts = new ArrayList<>();
        for (long w : SPEC.counterWindowsMs()) {
            for (Action a : ACTIONS) {
                if (rnd.nextBoolean()) {
                    counts.add(WindowCount.newBuilder()
                            .setWindowMs(w)
                            .setAction(a)
                            .setCount(rnd.nextInt(500))
                            .build());
                }
            }
        }
        counts.add(WindowCount.newBuilder()
                .setWindowMs(1234L)
                .setAction(Action.VIEW)
                .setCount(3)
                .build()); // a window the spec lacks
        return UserFeatures.newBuilder()
                .setUserId("u")
                .setAsOf(Instant.ofEpochMilli(asOf))
                .setSequenceVersion(rnd.nextInt(9))
                .setEvents(ev)
                .setActionCounts(counts)
                .build();
    }

    private void assertEqualsOffline(EncodedRequest r, UserFeatures f, long t) {
        UserVector uv = enc.newUserVector();
        enc.encodeUser(f, t, uv);
        assertThat(r.seqItem).containsExactly(uv.seqItem());
        assertThat(r.seqCategory).containsExactly(uv.seqCategory());
        assertThat(r.seqAction).containsExactly(uv.seqAction());
        assertThat(r.seqTimeGap).containsExactly(uv.seqTimeGap());
        assertThat(r.userDense).containsExactly(uv.dense());
        assertThat(r.featuresAsOf).isEqualTo(f == null ? null : f.getAsOf().toEpochMilli());
    }

    @Test
    void theUserHalfEncodedOnceEqualsEncodingAtEachRequestTime() {
        Random rnd = new Random(42);
        for (int c = 0; c < 2_000; c++) {
            long asOf = 1_700_000_000_000L + rnd.nextInt(1_000_000_000);
            UserFeatures f = rnd.nextInt(10) == 0 ? null : randomFeatures(rnd, asOf);
            // through the join's state format too
            EncodedUser u =
                    f == null ? null : EncodedUser.fromBytes(re.encodeUser(f).toBytes());
            if (f != null) {
                assertThat(EncodedUser.asOfMs(u.toBytes())).isEqualTo(asOf);
                assertThat(EncodedUser.sequenceVersion(u.toBytes())).isEqualTo(f.getSequenceVersion());
            }
            // earlier than the features (clamped gaps), just after, hours and weeks after: one state, many requests
            long t1 = asOf + rnd.nextInt(20_000_000) - 10_000_000;
            long t2 = asOf + (long) rnd.nextInt(1_000) * 3_600_000L;
            EncodedRequest r1 = re.join(request("r1", "u", t1, "i1"), u, id -> null, 0);
            EncodedRequest r2 = re.join(request("r2", "u", t2, "i1"), u, id -> null, 0);
            assertEqualsOffline(r1, f, t1);
            assertEqualsOffline(r2, f, t2);
        }
    }

    /**
     * The rows the scoring job lays out ({@link EncodedRequest#writeRows}) equal the trainer's
     * ({@link FeatureEncoder#writeRow}) in every input, {@code cand_history} included, for candidates the user
     * has and has not touched.
     */
    @Test
    void theJobsRowsEqualTheEncodersRowsCandidateHistoryIncluded() {
        assertThat(SPEC.historyWidth()).isPositive();
        Random rnd = new Random(9);
        java.util.function.Function<String, ItemMetadata> catalog =
                id -> item(id, "c" + Math.floorMod(id.hashCode(), 30), null, null);
        int matched = 0;
        for (int c = 0; c < 500; c++) {
            long asOf = 1_700_000_000_000L + rnd.nextInt(1_000_000_000);
            UserFeatures f = rnd.nextInt(10) == 0 ? null : randomFeatures(rnd, asOf);
            EncodedUser u =
                    f == null ? null : EncodedUser.fromBytes(re.encodeUser(f).toBytes());
            String[] items = new String[6];
            for (int i = 0; i < items.length; i++) {
                items[i] = f != null && !f.getEvents().isEmpty() && i < 4
                        ? f.getEvents().get(rnd.nextInt(f.getEvents().size())).getItemId()
                        : "it-" + rnd.nextInt(1_000);
            }
            long t = asOf + rnd.nextInt(20_000_000);
            EncodedRequest r = re.join(request("r", "u", t, items), u, id -> re.itemCodes(id, catalog.apply(id)), 0);
            dev.tandem.model.features.EncodedBatch online = enc.newBatch(items.length);
            r.writeRows(online, 0);
            dev.tandem.model.features.EncodedBatch offline = enc.newBatch(items.length);
            UserVector uv = enc.newUserVector();
            enc.encodeUser(f, t, uv);
            for (int i = 0; i < items.length; i++) {
                enc.writeRow(uv, catalog.apply(items[i]), offline, i);
            }
            for (dev.tandem.model.features.FeatureDef def : SPEC.features()) {
                if (def.isInt()) {
                    assertThat(online.ints(def.name())).as(def.name()).containsExactly(offline.ints(def.name()));
                } else {
                    assertThat(online.floats(def.name())).as(def.name()).containsExactly(offline.floats(def.name()));
                }
            }
            for (float v : online.candHistory) {
                matched += v > 0 ? 1 : 0;
            }
        }
        assertThat(matched).as("candidates the user touched").isGreaterThan(500);
    }

    @Test
    void aTombstoneEncodesAsNoFeatures() {
        assertThat(re.encodeUser(FeatureUpdates.tombstone("u"))).isNull();
        assertThat(re.encodeUser(null)).isNull();
    }

    @Test
    void catalogCodesEqualTheEncodersItemCodesAndTheRequestsMetadataWins() {
        ItemMetadata md = item("i1", "shoes", "acme", 42.0);
        ItemCode k = enc.encodeItem(md);
        assertThat(re.itemCodes("i1", md)).startsWith(k.item(), k.category(), k.brand(), k.priceBucket());
        assertThat(RequestEncoder.price(re.itemCodes("i1", md))).isEqualTo(42.0);
        ItemCode bare = enc.encodeItem("i2", null, null, null);
        assertThat(re.itemCodes("i2", null)).startsWith(bare.item(), 0, 0, 0);
        assertThat(RequestEncoder.price(re.itemCodes("i2", null))).isNaN();
        assertThat(RequestEncoder.price(new int[] {1, 2, 3, 4}))
                .as("codes packed before prices were kept")
                .isNaN();

        ItemMetadata override = item("i1", "hats", "other", 7.0);
        ItemCode o = enc.encodeItem(override);
        var req = request(
                "r",
                "u",
                1_000,
                dev.tandem.inference.Fixtures.candidate(override),
                dev.tandem.inference.Fixtures.candidate("i2"));
        EncodedRequest r = re.join(req, null, id -> id.equals("i1") ? re.itemCodes("i1", md) : null, 0);
        assertThat(r.candItem).containsExactly(o.item(), bare.item());
        assertThat(r.candCategory).containsExactly(o.category(), 0);
        assertThat(r.candBrand).containsExactly(o.brand(), 0);
        assertThat(r.candPrice).containsExactly(o.priceBucket(), 0);
        assertThat(r.candPriceValue).containsExactly(7.0, Double.NaN);
    }

    @Test
    void theOrderingRuleMatchesMerge() {
        UserFeatures cur = dev.tandem.inference.Fixtures.features("u", 10_000, 2, 5);
        for (long asOf : new long[] {9_999, 10_000, 10_001}) {
            for (long v : new long[] {4, 5, 6}) {
                UserFeatures in = dev.tandem.inference.Fixtures.features("u", asOf, 2, v);
                assertThat(FeatureUpdates.replaces(in, 10_000, 5))
                        .as("as_of %d, version %d", asOf, v)
                        .isEqualTo(FeatureUpdates.merge(cur, in) == in);
            }
        }
    }
}
