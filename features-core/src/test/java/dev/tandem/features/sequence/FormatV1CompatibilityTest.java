package dev.tandem.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * States stored by the format-1 code (frozen bytes in {@code sequence-v1-fixtures.txt}) restore into exactly
 * the state the format-2 code builds from the same events, apart from how rejected copies were counted
 * (format 1 remembered ids beyond the grace, so some copies it counted as duplicates are late now), and
 * are rewritten as format 2.
 */
class FormatV1CompatibilityTest {

    @Test
    void v1StatesRestoreAsTheV2StateOfTheSameEventsAndAreRewrittenAsV2() throws IOException {
        List<V1Fixtures.Fixture> fixtures = V1Fixtures.load();
        assertThat(fixtures).hasSize(5);
        for (V1Fixtures.Fixture f : fixtures) {
            assertThat(f.v1Bytes()[0]).as(f.name()).isEqualTo((byte) BehaviourSequence.FORMAT_VERSION_1);
            BehaviourSequence fromV1 = BehaviourSequence.decode(f.v1Bytes(), f.policy());
            BehaviourSequence v2 = Gen.replay(f.policy(), f.events());

            assertThat(fromV1.sequenceVersion()).as(f.name()).isEqualTo(v2.sequenceVersion());
            assertThat(fromV1.lateEvents() + fromV1.duplicateEvents())
                    .as(f.name() + ": rejections")
                    .isEqualTo(v2.lateEvents() + v2.duplicateEvents());
            assertThat(fromV1.toUserFeatures("u")).as(f.name()).isEqualTo(v2.toUserFeatures("u"));
            assertThat(fromV1.withRejections(0, 0)).as(f.name()).isEqualTo(v2.withRejections(0, 0));
            assertThat(BehaviourSequence.peekLatestEventTimeMs(f.v1Bytes())).isEqualTo(v2.latestEventTimeMs());

            byte[] rewritten = fromV1.encode();
            assertThat(rewritten[0]).isEqualTo((byte) BehaviourSequence.FORMAT_VERSION);
            assertThat(rewritten)
                    .isEqualTo(v2.withRejections(fromV1.lateEvents(), fromV1.duplicateEvents())
                            .encode());
            assertThat(BehaviourSequence.decode(rewritten, f.policy())).isEqualTo(fromV1);

            // and it goes on exactly like the state that never was format 1
            List<BehaviourEvent> more =
                    V1Fixtures.events(f.seed(), f.n() + 80, f.policy().graceMs());
            for (BehaviourEvent e : more.subList(f.n(), more.size())) {
                assertThat(SequenceUpdater.apply(fromV1, e))
                        .as(f.name() + " " + e)
                        .isEqualTo(SequenceUpdater.apply(v2, e));
            }
            assertThat(fromV1.withRejections(0, 0).encode())
                    .isEqualTo(v2.withRejections(0, 0).encode());
        }
    }

    @Test
    void aWarmV1StateShrinks() throws IOException {
        V1Fixtures.Fixture warm = V1Fixtures.load().get(0);
        BehaviourSequence s = BehaviourSequence.decode(warm.v1Bytes(), warm.policy());
        assertThat(s.sequenceVersion()).isGreaterThan(warm.policy().dedupCapacity());
        assertThat(s.encode().length).isLessThan(warm.v1Bytes().length / 2);
    }
}
