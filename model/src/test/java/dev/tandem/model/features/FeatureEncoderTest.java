package dev.tandem.model.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureEncoderTest {
    static final long T0 = 1_700_000_000_000L;
    final FeatureSpec spec = FeatureSpec.defaults().withSequenceLength(5).withBuckets(1000, 100, 50);
    final FeatureEncoder enc = new FeatureEncoder(spec);

    @Test
    void murmur3MatchesReferenceVectors() {
        assertThat(Murmur3.hashBytes(new byte[0], 0)).isEqualTo(0);
        assertThat(Murmur3.hashBytes(new byte[0], 1)).isEqualTo(0x514E28B7);
        assertThat(Murmur3.hashBytes("hello".getBytes(StandardCharsets.UTF_8), 0))
                .isEqualTo(0x248bfa47);
        assertThat(Murmur3.hashBytes("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8), 0))
                .isEqualTo(0x2e4ff723);
        assertThat(Murmur3.hashUtf8("hello", 0)).isEqualTo(0x248bfa47);
    }

    @Test
    void streamingUtf8HashEqualsHashOfBytes() {
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) {
                int kind = r.nextInt(5);
                int cp = switch (kind) {
                    case 0 -> 'a' + r.nextInt(26);
                    case 1 -> 0x80 + r.nextInt(0x780);
                    case 2 -> 0x800 + r.nextInt(0xD000 - 0x800);
                    case 3 -> 0x10000 + r.nextInt(0x1000);
                    default -> '0' + r.nextInt(10);
                };
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            assertThat(Murmur3.hashUtf8(s, 42))
                    .as(s)
                    .isEqualTo(Murmur3.hashBytes(s.getBytes(StandardCharsets.UTF_8), 42));
        }
    }

    @Test
    void idsAreStableNonZeroAndInRange() {
        // pinned values: a change in hashing breaks every model trained before it
        assertThat(enc.itemId("12345")).isEqualTo(enc.itemId("12345")).isBetween(1, 1000);
        assertThat(new FeatureEncoder(FeatureSpec.defaults()).itemId("12345"))
                .isEqualTo(1 + Integer.remainderUnsigned(Murmur3.hashUtf8("12345", 0x7A4D), 1 << 18));
        for (int i = 0; i < 5000; i++) {
            assertThat(enc.itemId("item-" + i)).isBetween(1, 1000);
            assertThat(enc.categoryId("c" + i)).isBetween(1, 100);
            assertThat(enc.brandId("b" + i)).isBetween(1, 50);
        }
        assertThat(enc.itemId(null)).isZero();
        assertThat(enc.itemId("")).isZero();
        assertThat(enc.brandId(null)).isZero();
    }

    @Test
    void bucketsOfTimeGapsAndPrices() {
        assertThat(enc.timeGapId(-5)).isEqualTo(1);
        assertThat(enc.timeGapId(59_999)).isEqualTo(1);
        assertThat(enc.timeGapId(60_000)).isEqualTo(2);
        assertThat(enc.timeGapId(Long.MAX_VALUE))
                .isEqualTo(spec.timeGapBoundariesMs().size() + 1);
        assertThat(enc.priceId(null)).isZero();
        assertThat(enc.priceId(Double.NaN)).isZero();
        assertThat(enc.priceId(-1.0)).isZero();
        assertThat(enc.priceId(0.5)).isEqualTo(1);
        assertThat(enc.priceId(1.0)).isEqualTo(2);
        assertThat(enc.priceId(1e9)).isEqualTo(spec.priceBoundaries().size() + 1);
        assertThat(spec.feature(FeatureSpec.CAND_PRICE).vocabulary())
                .isEqualTo(spec.priceBoundaries().size() + 2);
        assertThat(spec.feature(FeatureSpec.SEQ_TIME_GAP).vocabulary())
                .isEqualTo(spec.timeGapBoundariesMs().size() + 2);
    }

    @Test
    void shortSequencesAreLeftPaddedAndLongOnesKeepTheNewest() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        event(seq, "e1", "i1", "c1", Action.VIEW, T0);
        event(seq, "e2", "i2", "c2", Action.CART, T0 + 1000);
        UserVector u = enc.newUserVector();
        enc.encodeUser(seq, T0 + 60_500, u);
        assertThat(u.filled()).isEqualTo(2);
        assertThat(u.seqItem()).containsExactly(0, 0, 0, enc.itemId("i1"), enc.itemId("i2"));
        assertThat(u.seqCategory()).containsExactly(0, 0, 0, enc.categoryId("c1"), enc.categoryId("c2"));
        assertThat(u.seqAction()).containsExactly(0, 0, 0, enc.actionId(Action.VIEW), enc.actionId(Action.CART));
        assertThat(u.seqTimeGap()).containsExactly(0, 0, 0, 2, 1);
        assertThat(enc.actionId(Action.VIEW)).isEqualTo(Action.VIEW.ordinal() + 1);

        for (int i = 3; i <= 9; i++) {
            event(seq, "e" + i, "i" + i, "c" + i, Action.VIEW, T0 + i * 1000);
        }
        enc.encodeUser(seq, T0 + 10_000, u);
        assertThat(u.filled()).isEqualTo(5);
        assertThat(u.seqItem())
                .containsExactly(
                        enc.itemId("i5"), enc.itemId("i6"), enc.itemId("i7"), enc.itemId("i8"), enc.itemId("i9"));
    }

    @Test
    void sequenceAndItsUserFeaturesEncodeIdentically() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        Random r = new Random(3);
        for (int i = 0; i < 40; i++) {
            Action a = new Action[] {Action.VIEW, Action.VIEW, Action.CART, Action.PURCHASE, Action.FAVORITE}
                    [r.nextInt(5)];
            event(seq, "e" + i, "i" + r.nextInt(10), "c" + r.nextInt(4), a, T0 + i * 600_000L);
        }
        UserFeatures uf = seq.toUserFeatures("u1");
        long now = T0 + 41 * 600_000L;
        UserVector a = enc.newUserVector();
        UserVector b = enc.newUserVector();
        enc.encodeUser(seq, now, a);
        enc.encodeUser(uf, now, b);
        assertThat(a.seqItem()).containsExactly(b.seqItem());
        assertThat(a.seqCategory()).containsExactly(b.seqCategory());
        assertThat(a.seqAction()).containsExactly(b.seqAction());
        assertThat(a.seqTimeGap()).containsExactly(b.seqTimeGap());
        assertThat(a.dense()).containsExactly(b.dense());
        assertThat(a.dense()[0]).isGreaterThan(0f); // views in the first window are counted
    }

    @Test
    void userInputNamesNameTheCounterAndFillSlotsTheEncoderWrites() {
        String[] names = spec.userInputNames();
        assertThat(names).hasSize(spec.denseWidth());
        assertThat(names[spec.denseWidth() - 2])
                .as("recency: watched as raw hours")
                .isNull();
        assertThat(names[spec.denseWidth() - 1]).isEqualTo("user_sequence_fill");
        // three carts within the last hour, nothing else: only the cart counters of every window are non-zero
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        for (int i = 0; i < 3; i++) event(seq, "e" + i, "i" + i, "c1", Action.CART, T0 + i * 60_000L);
        UserVector v = enc.newUserVector();
        enc.encodeUser(seq, T0 + 10 * 60_000L, v);
        for (int slot = 0; slot < spec.denseWidth() - 2; slot++) {
            assertThat(names[slot]).matches("user_[a-z]+_\\d+[mhd]");
            assertThat(v.dense()[slot] > 0).as(names[slot]).isEqualTo(names[slot].startsWith("user_cart_"));
        }
        assertThat(java.util.Arrays.asList(names))
                .contains("user_cart_1h", "user_cart_1d")
                .doesNotHaveDuplicates();
        assertThat(v.dense()[spec.denseWidth() - 1]).isEqualTo(3f / spec.sequenceLength());
    }

    @Test
    void rowsHaveTheSpecShapesAndCopyTheUserHalf() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        event(seq, "e1", "i1", "c1", Action.VIEW, T0);
        UserVector u = enc.newUserVector();
        enc.encodeUser(seq, T0, u);
        EncodedBatch batch = enc.newBatch(4);
        ItemMetadata item = ItemMetadata.newBuilder()
                .setItemId("x")
                .setCategoryPath(List.of("root", "leaf"))
                .setBrand("acme")
                .setPrice(12.0)
                .setAttributes(Map.of())
                .build();
        enc.writeRow(u, item, batch, 0);
        enc.writeRow(u, enc.encodeItem(item), batch, 1);
        assertThat(batch.rows()).isEqualTo(2);
        for (dev.tandem.model.features.FeatureDef f : spec.features()) {
            int len = f.isInt() ? batch.ints(f.name()).length : batch.floats(f.name()).length;
            assertThat(len).as(f.name()).isEqualTo(4 * f.width());
        }
        assertThat(batch.candCategory[0]).isEqualTo(enc.categoryId("leaf")).isEqualTo(batch.candCategory[1]);
        assertThat(batch.candBrand[0]).isEqualTo(enc.brandId("acme")).isEqualTo(batch.candBrand[1]);
        assertThat(batch.candPrice[0]).isEqualTo(enc.priceId(12.0)).isEqualTo(batch.candPrice[1]);
        assertThat(batch.candItem[1]).isEqualTo(enc.itemId("x"));
        assertThat(Arrays.copyOfRange(batch.seqItem, 5, 10)).containsExactly(u.seqItem());
        assertThat(Arrays.copyOfRange(batch.userDense, spec.denseWidth(), 2 * spec.denseWidth()))
                .containsExactly(u.dense());
    }

    @Test
    void specRoundTripsThroughJson(@TempDir Path dir) throws Exception {
        spec.write(dir);
        FeatureSpec back = FeatureSpec.read(dir);
        assertThat(back).isEqualTo(spec);
        assertThat(back.canProduce(spec)).isTrue();
        assertThat(spec.toJson()).contains("\"seq_item\"", "\"cand_history\"", "\"formatVersion\" : 2");
    }

    @Test
    void aSpecMismatchIsRefusedWithTheReason() {
        FeatureSpec other = spec.withBuckets(2000, 100, 50);
        assertThat(spec.canProduce(other)).isFalse();
        assertThat(spec.incompatibilities(other)).anySatisfy(s -> assertThat(s).contains("itemBuckets"));
        assertThatThrownBy(() -> spec.requireCanProduce(spec.withSequenceLength(7)))
                .isInstanceOf(FeatureSpec.IncompatibleSpecException.class)
                .hasMessageContaining("sequenceLength");
    }

    @Test
    void malformedSpecJsonNamesTheField() {
        String json = spec.toJson();
        assertThatThrownBy(() ->
                        FeatureSpec.fromJson(json.replace("\"itemBuckets\" : 1000", "\"itemBuckets\" : \"many\"")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("itemBuckets");
        assertThatThrownBy(() -> FeatureSpec.fromJson(json.replace("\"itemBuckets\" : 1000", "\"itemBuckets\" : 0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("itemBuckets");
        assertThatThrownBy(() -> FeatureSpec.fromJson(
                        json.replace("\"itemBuckets\" : 1000", "\"itemBuckets\" : 1000, \"bogus\" : 1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bogus");
        // features that disagree with the parameters
        assertThatThrownBy(() -> FeatureSpec.fromJson(json.replace("\"vocabulary\" : 1001", "\"vocabulary\" : 99")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features do not match");
    }

    /** cand_history against features-core's CandidateInteractions (counts, time of the newest) on a hand-made sequence. */
    @Test
    void candidateHistoryMatchesTheCandidateInteractionsDefinition() {
        FeatureSpec s20 = FeatureSpec.defaults().withBuckets(1000, 100, 50); // L = 20 ≥ the 12 events below
        FeatureEncoder e20 = new FeatureEncoder(s20);
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        Action[] acts = {Action.VIEW, Action.VIEW, Action.CART, Action.VIEW, Action.PURCHASE, Action.FAVORITE};
        Random r = new Random(11);
        for (int i = 0; i < 12; i++) {
            event(
                    seq,
                    "e" + i,
                    "i" + r.nextInt(4),
                    "c" + r.nextInt(2),
                    acts[r.nextInt(acts.length)],
                    T0 + i * 2_345_678L);
        }
        long now = T0 + 12 * 2_345_678L + 777L;
        UserVector u = e20.newUserVector();
        e20.encodeUser(seq, now, u);
        List<Action> actions = s20.actions().stream().map(Action::valueOf).toList();
        dev.tandem.features.interaction.CandidateInteractions ref =
                new dev.tandem.features.interaction.CandidateInteractions(actions);
        float[] want = new float[ref.width()];
        EncodedBatch b = e20.newBatch(8);
        int row = 0;
        int nonZero = 0;
        for (String item : List.of("i0", "i1", "i2", "i3", "nope")) {
            for (String cat : List.of("c0", "c1")) {
                if (row == 8) {
                    break;
                }
                e20.writeRow(u, e20.encodeItem(item, cat, null, null), b, row);
                ref.compute(seq, item, cat, now, want, 0);
                int g = s20.timeGapBoundariesMs().size();
                double norm = Math.log1p(s20.sequenceLength());
                for (int a = 0; a < actions.size(); a++) {
                    for (var scope : dev.tandem.features.interaction.CandidateInteractions.Scope.values()) {
                        int k = scope == dev.tandem.features.interaction.CandidateInteractions.Scope.ITEM ? 0 : 1;
                        float count = want[ref.countIndex(scope, a)];
                        float hours = want[ref.hoursSinceIndex(scope, a)];
                        float recency = count == 0
                                ? 0f
                                : (g + 2 - e20.timeGapId(Math.round(hours * 3_600_000.0))) / (float) (g + 1);
                        assertThat(b.candHistory[row * s20.historyWidth() + 4 * a + k])
                                .as("%s/%s %s %s count", item, cat, actions.get(a), scope)
                                .isCloseTo(
                                        (float) (Math.log1p(count) / norm), org.assertj.core.data.Offset.offset(1e-6f));
                        assertThat(b.candHistory[row * s20.historyWidth() + 4 * a + 2 + k])
                                .as("%s/%s %s %s recency", item, cat, actions.get(a), scope)
                                .isEqualTo(recency);
                        nonZero += count > 0 ? 1 : 0;
                    }
                }
                int n = seq.size() - 1;
                assertThat(b.candHistory[row * s20.historyWidth() + 4 * actions.size()])
                        .isEqualTo(seq.itemId(n).toString().equals(item) ? 1f : 0f);
                assertThat(b.candHistory[row * s20.historyWidth() + 4 * actions.size() + 1])
                        .isEqualTo(seq.categoryId(n).toString().equals(cat) ? 1f : 0f);
                row++;
            }
        }
        assertThat(nonZero).isGreaterThan(10);
    }

    /** Pinned values on a sequence longer than L: only the newest L events count. */
    @Test
    void candidateHistoryReadsOnlyTheEncodedSequence() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        long h = 3_600_000L;
        event(seq, "e1", "i1", "c1", Action.VIEW, T0); // beyond L = 5: not counted
        event(seq, "e2", "i2", "c1", Action.VIEW, T0 + h);
        event(seq, "e3", "i1", "c1", Action.CART, T0 + 2 * h);
        event(seq, "e4", "i3", "c2", Action.VIEW, T0 + 3 * h);
        event(seq, "e5", "i1", "c1", Action.VIEW, T0 + 4 * h);
        event(seq, "e6", "i4", "c2", Action.PURCHASE, T0 + 5 * h);
        UserVector u = enc.newUserVector();
        enc.encodeUser(seq, T0 + 6 * h, u);
        EncodedBatch b = enc.newBatch(2);
        enc.writeRow(u, enc.encodeItem("i1", "c1", null, null), b, 0);
        int w = spec.historyWidth();
        int view = spec.actions().indexOf("VIEW");
        int cart = spec.actions().indexOf("CART");
        int purchase = spec.actions().indexOf("PURCHASE");
        float n = (float) Math.log1p(5);
        float[] x = Arrays.copyOfRange(b.candHistory, 0, w);
        // VIEW: item e5 (2 h ago: gap id 5 of 12 → 8/12), category e2 and e5
        assertThat(x[4 * view]).isCloseTo((float) Math.log1p(1) / n, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(x[4 * view + 1]).isCloseTo((float) Math.log1p(2) / n, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(x[4 * view + 2]).isEqualTo(8f / 12f);
        assertThat(x[4 * view + 3]).isEqualTo(8f / 12f);
        // CART: e3, 4 h ago: gap id 6 → 7/12
        assertThat(x[4 * cart]).isCloseTo((float) Math.log1p(1) / n, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(x[4 * cart + 2]).isEqualTo(7f / 12f);
        assertThat(x[4 * purchase]).isZero();
        assertThat(x[4 * purchase + 2]).isZero();
        assertThat(x[w - 2]).isZero(); // the newest event (e6) is another item and category
        assertThat(x[w - 1]).isZero();
        // an unknown candidate (id 0) matches nothing, padding included
        enc.writeRow(u, enc.encodeItem(null, null, null, null), b, 1);
        assertThat(Arrays.copyOfRange(b.candHistory, w, 2 * w)).containsOnly(0f);
        // recomputing from the row alone (what the scoring job does) gives the same numbers
        float[] before = b.candHistory.clone();
        Arrays.fill(b.candHistory, 42f);
        b.fillCandidateHistory(0);
        b.fillCandidateHistory(1);
        assertThat(b.candHistory).containsExactly(before);
    }

    /** A model trained before cand_history (format 1): its spec still reads, and an encoder built from it makes exactly its inputs. */
    @Test
    void aFormatOneSpecReadsAndEncodesWithoutCandidateHistory(@TempDir Path dir) throws Exception {
        FeatureSpec v1 = spec.withFormatVersion(1);
        String json = v1.toJson();
        assertThat(json).doesNotContain("cand_history").contains("\"formatVersion\" : 1");
        FeatureSpec back = FeatureSpec.fromJson(json);
        assertThat(back).isEqualTo(v1);
        assertThat(back.historyWidth()).isZero();
        assertThat(back.canProduce(back)).isTrue();
        // the current encoder refuses it (a number it computes differs), the model's own spec produces it
        assertThat(spec.incompatibilities(back)).anySatisfy(s -> assertThat(s).contains("formatVersion"));
        FeatureEncoder old = new FeatureEncoder(back);
        EncodedBatch b = old.newBatch(2);
        assertThat(b.candHistory).isEmpty();
        assertThatThrownBy(() -> b.floats(FeatureSpec.CAND_HISTORY)).isInstanceOf(IllegalArgumentException.class);
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        event(seq, "e1", "i1", "c1", Action.VIEW, T0);
        UserVector u = old.newUserVector();
        old.encodeUser(seq, T0, u);
        old.writeRow(u, old.encodeItem("i1", "c1", null, null), b, 0);
        assertThat(b.rows()).isEqualTo(1);
        assertThatThrownBy(() -> FeatureSpec.fromJson(json.replace("\"formatVersion\" : 1", "\"formatVersion\" : 3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("formatVersion");
    }

    static void event(BehaviourSequence seq, String id, String item, String cat, Action a, long t) {
        SequenceUpdater.apply(seq, new BehaviourEvent(id, item, cat, a, t));
    }
}
