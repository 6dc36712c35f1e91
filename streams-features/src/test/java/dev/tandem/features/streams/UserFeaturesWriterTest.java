package dev.tandem.features.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserFeatures;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class UserFeaturesWriterTest {
    private static final String TOPIC = "user-features";

    @Test
    void writesWhatTheSerializerWritesAndGoesDirectAfterVerifying() {
        FeatureSerdes serdes = FeatureSerdes.forRegistry("mock://writer-" + UUID.randomUUID(), Map.of());
        Serializer<UserFeatures> ser = serdes.userFeatures().serializer();
        UserFeaturesWriter w = new UserFeaturesWriter(ser, TOPIC);
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        Action[] actions = {Action.VIEW, Action.CART, Action.PURCHASE, Action.FAVORITE};
        for (int i = 0; i < 200; i++) {
            SequenceUpdater.apply(
                    seq,
                    new BehaviourEvent(
                            "e" + i,
                            i % 3 == 0 ? "item-" + i : Long.toString(i * 7919L),
                            Integer.toString(i % 11),
                            actions[i % actions.length],
                            1_700_000_000_000L + i * 60_000L));
            String user = i % 2 == 0 ? "u" + i : "ü" + i;
            assertThat(w.write(user, seq)).isEqualTo(ser.serialize(TOPIC, seq.toUserFeatures(user)));
            assertThat(w.isDirect()).isEqualTo(i + 1 >= UserFeaturesWriter.VERIFY_RECORDS);
        }
    }

    @Test
    void fallsBackToTheSerializerWhenItsBytesDiffer() {
        Serializer<UserFeatures> other =
                (topic, f) -> ("not avro " + f.getUserId()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        UserFeaturesWriter w = new UserFeaturesWriter(other, TOPIC);
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        for (int i = 0; i < 50; i++) {
            assertThat(w.write("u", seq)).isEqualTo(other.serialize(TOPIC, seq.toUserFeatures("u")));
        }
        assertThat(w.isDirect()).isFalse();
    }
}
