package dev.tandem.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PeekLatestTest {
    @Provide
    Arbitrary<List<BehaviourEvent>> events() {
        return Gen.uniqueEvents(Gen.MANY_CATEGORIES, 30);
    }

    @Property(tries = 200)
    void peekReadsTheLatestEventTimeOfTheEncoding(@ForAll("events") List<BehaviourEvent> events) {
        BehaviourSequence seq = new BehaviourSequence(Gen.SMALL);
        for (BehaviourEvent e : events) SequenceUpdater.apply(seq, e);
        long expected = seq.hasEvents() ? seq.latestEventTimeMs() : Long.MIN_VALUE;
        assertThat(BehaviourSequence.peekLatestEventTimeMs(seq.encode())).isEqualTo(expected);
    }

    @Property(tries = 10)
    void peekRejectsForeignBytes() {
        assertThatThrownBy(() -> BehaviourSequence.peekLatestEventTimeMs(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BehaviourSequence.peekLatestEventTimeMs(new byte[] {9, 1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BehaviourSequence.peekLatestEventTimeMs(new byte[] {1, 5}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
