package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserOutcomesTest {
    @Test
    void bytesRoundTripAndBadBytesAreRefused() {
        UserOutcomes s = new UserOutcomes();
        s.pending.add(new PendingPrediction(
                "req-ü",
                -5L,
                "funnel",
                "v2",
                List.of("CART", "PURCHASE"),
                List.of(
                        new PendingPrediction.Candidate("i1", new float[] {0.25f, 1e-6f}),
                        new PendingPrediction.Candidate("", new float[] {1f, 0f}))));
        s.conversions.add(new BehaviourEvent("", "i1", "", Action.PURCHASE, 1_700_000_000_123L));
        s.armedTimerMs(42);
        byte[] bytes = s.encode();
        UserOutcomes back = UserOutcomes.decode(bytes);
        assertThat(back.pending()).isEqualTo(s.pending());
        assertThat(back.conversions()).isEqualTo(s.conversions());
        assertThat(back.armedTimerMs()).isEqualTo(42);
        assertThat(back.pendingCandidates()).isEqualTo(2);
        assertThat(UserOutcomes.decode(new UserOutcomes().encode()).isEmpty()).isTrue();
        // re-encoded from the bytes kept per prediction, after the state changed, as if encoded afresh
        assertThat(back.encode()).isEqualTo(bytes);
        PendingPrediction later = new PendingPrediction(
                "req-2",
                7L,
                "funnel",
                "v2",
                List.of("CART"),
                List.of(new PendingPrediction.Candidate("i2", new float[] {0.5f})));
        back.pending.add(later);
        back.pending.remove(0);
        back.armedTimerMs(43);
        UserOutcomes fresh = new UserOutcomes();
        fresh.pending.add(later);
        fresh.conversions.addAll(s.conversions());
        fresh.armedTimerMs(43);
        assertThat(back.encode()).isEqualTo(fresh.encode());
        assertThat(UserOutcomes.decode(back.encode()).pending()).containsExactly(later);

        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> UserOutcomes.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> UserOutcomes.decode(Arrays.copyOf(bytes, bytes.length + 1)))
                .hasMessageContaining("trailing");
    }

    @Test
    void aShadowPredictionKeepsItsFlagBesideTheActiveVersionsOfTheSameRequest() {
        List<PendingPrediction.Candidate> one = List.of(new PendingPrediction.Candidate("i1", new float[] {0.5f}));
        UserOutcomes s = new UserOutcomes();
        s.pending.add(new PendingPrediction("r1", 5L, "funnel", "v1", List.of("CART"), one));
        s.pending.add(new PendingPrediction("r1", 5L, "funnel", "v2", List.of("CART"), one, true));
        UserOutcomes back = UserOutcomes.decode(s.encode());
        assertThat(back.pending()).isEqualTo(s.pending());
        assertThat(back.pending()).extracting(PendingPrediction::shadow).containsExactly(false, true);
    }

    @Test
    void aStateWrittenInFormatOneStillDecodesAndIsRewrittenInTheCurrentFormat() {
        List<PendingPrediction.Candidate> one = List.of(new PendingPrediction.Candidate("i1", new float[] {0.5f}));
        PendingPrediction p = new PendingPrediction("r1", 5L, "funnel", "v1", List.of("CART"), one);
        UserOutcomes s = new UserOutcomes();
        s.pending.add(p);
        s.conversions.add(new BehaviourEvent("", "i1", "", Action.CART, 9L));
        byte[] current = s.encode();
        // format 1: the same bytes without the flags byte after the version string
        dev.tandem.features.codec.ByteWriter v1 = new dev.tandem.features.codec.ByteWriter(64);
        v1.write(1);
        v1.writeVarLong(Varints.zigzag(Long.MAX_VALUE));
        v1.writeVarLong(1);
        Varints.writeString(v1, "r1");
        v1.writeVarLong(Varints.zigzag(5L));
        Varints.writeString(v1, "funnel");
        Varints.writeString(v1, "v1");
        v1.writeVarLong(1);
        Varints.writeString(v1, "CART");
        v1.writeVarLong(1);
        Varints.writeString(v1, "i1");
        int bits = Float.floatToRawIntBits(0.5f);
        for (int i = 3; i >= 0; i--) v1.write(bits >>> (8 * i));
        v1.writeVarLong(1);
        Varints.writeString(v1, "i1");
        v1.writeVarLong(Varints.zigzag(9L));
        v1.write(Action.CART.ordinal());
        byte[] old = v1.toByteArray();
        assertThat(old.length).as("one byte less than the current format").isEqualTo(current.length - 1);

        UserOutcomes back = UserOutcomes.decode(old);
        assertThat(back.pending()).containsExactly(p);
        assertThat(back.conversions()).isEqualTo(s.conversions());
        assertThat(back.encode())
                .as("the old prediction bytes are not copied into the new format")
                .isEqualTo(current);
    }
}
