package dev.tandem.bench.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bench.OutputLedger;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The exact count of a features run's outputs: read to the topic's end, one output per input, duplicates and gaps found. */
class OutputIdentityTest {
    private static final String TOPIC = "out";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final TandemAvroSerializer<UserFeatures> features = AvroSerdes.valueSerializer("mock://output-identity");
    private final TandemAvroSerializer<UserEvent> events = AvroSerdes.valueSerializer("mock://output-identity");

    @Test
    void oneUserFeaturesPerEventPasses() {
        MockConsumer<byte[], byte[]> c =
                consumer(Map.of(P0, List.of(uf("u1", 1), uf("u1", 2), uf("u3", 1)), P1, List.of(uf("u2", 1))));

        OutputLedger l = OutputIdentity.USER_FEATURES.readTo(c, Map.of(P0, 3L, P1, 1L));

        assertThatCode(() -> l.requireExactly(4, "real topology", OutputIdentity.USER_FEATURES.description))
                .doesNotThrowAnyException();
    }

    @Test
    void aDuplicateAfterTheExpectedCountIsReadAndFails() {
        // four outputs for the four events, then the same (u1, 2) once more: a count that stopped at 4 would pass
        MockConsumer<byte[], byte[]> c = consumer(
                Map.of(P0, List.of(uf("u1", 1), uf("u1", 2), uf("u3", 1), uf("u1", 2)), P1, List.of(uf("u2", 1))));

        OutputLedger l = OutputIdentity.USER_FEATURES.readTo(c, Map.of(P0, 4L, P1, 1L));

        assertThat(l.records()).isEqualTo(5);
        assertThatThrownBy(() -> l.requireExactly(4, "real topology", OutputIdentity.USER_FEATURES.description))
                .hasMessageContaining("1 duplicate output(s) (same (user_id, sequence_version) twice, e.g. (u1, 2))");
    }

    @Test
    void aMissingUserFeaturesFails() {
        MockConsumer<byte[], byte[]> c = consumer(Map.of(P0, List.of(uf("u1", 1), uf("u1", 3)), P1, List.of()));

        OutputLedger l = OutputIdentity.USER_FEATURES.readTo(c, Map.of(P0, 2L, P1, 0L));

        assertThatThrownBy(() -> l.requireExactly(3, "naive baseline", OutputIdentity.USER_FEATURES.description))
                .hasMessageContaining("1 of 3 inputs without an output");
    }

    @Test
    void eventIdsTellTheReferencesOutputsApartPaddedOrNot() {
        byte[] e0 = event(0);
        byte[] padded =
                Arrays.copyOf(event(1), 2_000); // the upper bound: the event's bytes padded to the real output's size
        MockConsumer<byte[], byte[]> c = consumer(Map.of(P0, List.of(e0, padded, event(2), event(0)), P1, List.of()));

        OutputLedger l = OutputIdentity.EVENT_ID.readTo(c, Map.of(P0, 4L, P1, 0L));

        assertThat(l.distinct()).isEqualTo(3);
        assertThatThrownBy(() -> l.requireExactly(3, "upper bound", OutputIdentity.EVENT_ID.description))
                .hasMessageContaining("same event_id twice, e.g. (gen-11-, 0)");
    }

    @Test
    void anOutputThatDoesNotParseFailsTheRun() {
        MockConsumer<byte[], byte[]> c = consumer(Map.of(P0, List.of(new byte[] {1, 2, 3}), P1, List.of()));

        assertThatThrownBy(() -> OutputIdentity.USER_FEATURES.readTo(c, Map.of(P0, 1L, P1, 0L)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("out-0@0");
    }

    private byte[] uf(String user, long version) {
        return features.serialize(
                TOPIC,
                UserFeatures.newBuilder()
                        .setUserId(user)
                        .setAsOf(Instant.ofEpochMilli(1_000 * version))
                        .setSequenceVersion(version)
                        .setEvents(List.of())
                        .setActionCounts(List.of())
                        .setTopCategories(List.of())
                        .build());
    }

    private byte[] event(long n) {
        return events.serialize(
                "events",
                new UserEvent(
                        "gen-11-" + n,
                        "u1",
                        "i1",
                        "c1",
                        Action.VIEW,
                        Instant.ofEpochMilli(n),
                        null,
                        null,
                        null,
                        Map.of()));
    }

    private static MockConsumer<byte[], byte[]> consumer(Map<TopicPartition, List<byte[]>> values) {
        MockConsumer<byte[], byte[]> c = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        Map<TopicPartition, Long> beginning = new HashMap<>();
        values.keySet().forEach(tp -> beginning.put(tp, 0L));
        c.updateBeginningOffsets(beginning);
        c.schedulePollTask(() -> values.forEach((tp, vs) -> {
            for (int i = 0; i < vs.size(); i++)
                c.addRecord(new ConsumerRecord<>(TOPIC, tp.partition(), i, null, vs.get(i)));
        }));
        return c;
    }
}
