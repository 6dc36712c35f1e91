package dev.tandem.inference.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Where the second leg of a {@link CatchUpSource} starts: where the first leg's splits were to stop. */
class CatchUpSourceTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final TopicPartition P2 = new TopicPartition("t", 2);

    @Test
    void theSecondLegStartsAtEachPartitionsStoppingOffsetAssignedOrNot() {
        KafkaSourceEnumState first = new KafkaSourceEnumState(
                List.of(new KafkaPartitionSplit(P0, 0, 1_234), new KafkaPartitionSplit(P1, 17, 17)),
                List.of(new KafkaPartitionSplit(P2, 0, 5)),
                true);

        assertThat(CatchUpSource.stoppingOffsets(first)).isEqualTo(Map.of(P0, 1_234L, P1, 17L, P2, 5L));
    }

    @Test
    void aFirstLegWithoutAStoppingOffsetIsRefusedRatherThanGuessed() {
        KafkaSourceEnumState unbounded =
                new KafkaSourceEnumState(List.of(new KafkaPartitionSplit(P0, 0)), List.of(), true);

        assertThatThrownBy(() -> CatchUpSource.stoppingOffsets(unbounded))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("t-0");
    }
}
