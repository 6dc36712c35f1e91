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
        assertThat(spec.toJson()).contains("\"seq_item\"", "\"formatVersion\" : 1");
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

    static void event(BehaviourSequence seq, String id, String item, String cat, Action a, long t) {
        SequenceUpdater.apply(seq, new BehaviourEvent(id, item, cat, a, t));
    }
}
