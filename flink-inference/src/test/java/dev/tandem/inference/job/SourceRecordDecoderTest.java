package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class SourceRecordDecoderTest {
    static final String REGISTRY = "mock://source-record-decoder";
    static final TandemAvroSerializer<SpecificRecord> SER =
            new TandemAvroSerializer<>(SchemaRegistryClients.forUrl(REGISTRY, Map.of()), false);

    private static RawRecord raw(String topic, long offset, String key, byte[] value) {
        return RawRecord.of(
                topic, 1, offset, 5_000L + offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static byte[] avro(String topic, SpecificRecord r) {
        return SER.serialize(topic, r);
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<RawRecord, ?> h) {
        var q = h.getSideOutput(RequestDecoder.DEAD_LETTERS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void badFeatureRecordsBecomeDeadLettersWithTheirOriginalBytes() throws Exception {
        String t = TandemTopics.USER_FEATURES;
        UserFeatures good = features("u1", 1_000_000, 3, 4);
        byte[] garbage = {0, 0, 0, 0, 42, 1, 2};
        byte[] blank = avro(t, features(" ", 1_000_000, 1, 1));
        byte[] tooLong = avro(t, features("u".repeat(40), 1_000_000, 1, 1));
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(SourceRecordDecoder.userFeatures(REGISTRY, 32))) {
            h.processElement(raw(t, 0, "u1", avro(t, good)), 0);
            h.processElement(raw(t, 1, "g", garbage), 0);
            h.processElement(raw(t, 2, "u2", null), 0);
            h.processElement(raw(t, 3, null, null), 0);
            h.processElement(raw(t, 4, "b", blank), 0);
            h.processElement(raw(t, 5, "l", tooLong), 0);

            assertThat(h.extractOutputValues()).containsExactly(good, FeatureUpdates.tombstone("u2"));
            List<DeadLetter> dead = deadLetters(h);
            assertThat(dead)
                    .extracting(d -> d.reason)
                    .containsExactly("deserialization", "null-value", "missing-user-id", "id-too-long");
            assertThat(dead).extracting(d -> d.sourceOffset).containsExactly(1L, 3L, 4L, 5L);
            assertThat(dead.get(0).value).isEqualTo(garbage);
            assertThat(new String(dead.get(0).key, StandardCharsets.UTF_8)).isEqualTo("g");
            assertThat(dead.get(2).value).isEqualTo(blank);
            assertThat(dead.get(3).value).isEqualTo(tooLong);
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.sourceTopic).isEqualTo(t);
                assertThat(d.sourcePartition).isEqualTo(1);
                assertThat(d.timestamp).isEqualTo(5_000L + d.sourceOffset);
                assertThat(d.errorClass).isNotBlank();
                assertThat(d.errorMessage).isNotBlank();
            });
        }
    }

    @Test
    void aFeaturesTombstoneWithTheForgetHeaderIsAForget() throws Exception {
        String t = TandemTopics.USER_FEATURES;
        RawRecord forgotten = raw(t, 0, "u1", null);
        forgotten.forget = true;
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(SourceRecordDecoder.userFeatures(REGISTRY, 32))) {
            h.processElement(forgotten, 0);
            h.processElement(raw(t, 1, "u2", null), 0);
            assertThat(h.extractOutputValues())
                    .containsExactly(FeatureUpdates.forget("u1"), FeatureUpdates.tombstone("u2"));
            assertThat(FeatureUpdates.isTombstone(FeatureUpdates.forget("u1"))).isTrue();
            assertThat(FeatureUpdates.isForget(FeatureUpdates.tombstone("u2"))).isFalse();
        }
    }

    @Test
    void badItemRecordsBecomeDeadLettersAndACatalogDeleteIsSkipped() throws Exception {
        String t = TandemTopics.ITEMS;
        ItemMetadata good = item("i1", "c", "b", 3.0);
        byte[] notAvro = "{\"item_id\":\"i2\"}".getBytes(StandardCharsets.UTF_8);
        byte[] blank = avro(t, item("", "c", "b", 1.0));
        // a UserFeatures where an ItemMetadata belongs: readable Avro, wrong record
        byte[] wrongType = avro(TandemTopics.USER_FEATURES, features("u9", 1_000, 1, 1));
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(SourceRecordDecoder.items(REGISTRY, 256))) {
            h.processElement(raw(t, 10, "i1", avro(t, good)), 0);
            h.processElement(raw(t, 11, "i2", notAvro), 0);
            h.processElement(raw(t, 12, "i3", null), 0);
            h.processElement(raw(t, 13, "i4", blank), 0);
            h.processElement(raw(t, 14, "i5", wrongType), 0);

            assertThat(h.extractOutputValues()).containsExactly(good);
            List<DeadLetter> dead = deadLetters(h);
            assertThat(dead)
                    .extracting(d -> d.reason)
                    .containsExactly("deserialization", "missing-field", "deserialization");
            assertThat(dead).extracting(d -> d.value).containsExactly(notAvro, blank, wrongType);
            assertThat(dead).extracting(d -> d.sourceTopic).containsOnly(t);
        }
    }

    @Test
    void aNonsenseIdLimitIsRefusedOnTheClient() {
        assertThatThrownBy(() -> SourceRecordDecoder.items(REGISTRY, 0))
                .hasMessageContaining("maxIdLength must be >= 1");
    }
}
