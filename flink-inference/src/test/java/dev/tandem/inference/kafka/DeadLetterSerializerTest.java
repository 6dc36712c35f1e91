package dev.tandem.inference.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {

    @Test
    void writesTheOriginalBytesWithTheSixHeaders() {
        DeadLetter d = DeadLetter.of(
                RawRecord.of(
                        "scoring-requests", 4, 12L, 1_000L, "u1".getBytes(StandardCharsets.UTF_8), new byte[] {9, 8}),
                DeadLetterReason.NO_CANDIDATES,
                new IllegalArgumentException("request r1 has no candidates"));
        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("dead-letters").serialize(d, null, null);
        assertThat(r.topic()).isEqualTo("dead-letters");
        assertThat(r.partition()).isNull();
        assertThat(r.timestamp()).isEqualTo(1_000L);
        assertThat(r.key()).isEqualTo("u1".getBytes(StandardCharsets.UTF_8));
        assertThat(r.value()).containsExactly(9, 8);
        assertThat(Arrays.stream(r.headers().toArray()).map(h -> h.key() + "=" + text(h)))
                .containsExactly(
                        "tandem.dlq.topic=scoring-requests",
                        "tandem.dlq.partition=4",
                        "tandem.dlq.offset=12",
                        "tandem.dlq.error.class=java.lang.IllegalArgumentException",
                        "tandem.dlq.error.message=request r1 has no candidates",
                        "tandem.dlq.reason=no-candidates");
    }

    @Test
    void aRecordWithoutTimestampStaysWithout() {
        DeadLetter d = DeadLetter.of(
                RawRecord.of("items", 0, 0L, Long.MIN_VALUE, null, null),
                DeadLetterReason.NULL_VALUE,
                new IllegalArgumentException("tombstone"));
        assertThat(new DeadLetterSerializer("dead-letters")
                        .serialize(d, null, null)
                        .timestamp())
                .isNull();
    }

    private static String text(Header h) {
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
