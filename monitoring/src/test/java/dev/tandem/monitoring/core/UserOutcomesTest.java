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
}
