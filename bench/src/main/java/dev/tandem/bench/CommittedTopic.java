package dev.tandem.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A run's output topic, read as a {@code read_committed} consumer sees it, to its end once the writer is gone: the
 * exact count of what a run wrote, with nothing cut off at an expected number.
 */
public final class CommittedTopic {
    private CommittedTopic() {}

    /**
     * Where a read_committed reader's end is once the writer's transactions are settled.
     *
     * @param settled whether every partition's last stable offset reached its high watermark (no transaction left open)
     */
    public record End(Map<TopicPartition, Long> offsets, boolean settled) {}

    /**
     * A consumer of raw records as a downstream reader sees an output topic: read_committed, no auto-commit, up to
     * 5,000 records a poll; the caller assigns it.
     */
    public static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String clientId) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        clientId,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5_000),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * The read_committed end offsets of {@code parts} once no transaction is open on them: the last stable offset of each
     * partition reaches its high watermark when the commit or abort markers of every transaction are written (the
     * coordinator writes an output partition's marker after the one that makes a group's offsets visible, so the last
     * outputs can become readable a few ms after the offsets). Waits at most {@code timeout}; then the last stable offsets
     * as they are, {@code settled} false.
     */
    public static End settledEnd(Admin admin, Collection<TopicPartition> parts, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<TopicPartition, Long> stable = endOffsets(admin, parts, IsolationLevel.READ_COMMITTED);
            Map<TopicPartition, Long> high = endOffsets(admin, parts, IsolationLevel.READ_UNCOMMITTED);
            if (stable.equals(high)) return new End(stable, true);
            if (System.nanoTime() > deadline) return new End(stable, false);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    public static Map<TopicPartition, Long> endOffsets(
            Admin admin, Collection<TopicPartition> parts, IsolationLevel iso) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (TopicPartition tp : parts) q.put(tp, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r =
                admin.listOffsets(q, new ListOffsetsOptions(iso)).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /**
     * Reads {@code end}'s partitions from the beginning until the consumer's position reaches {@code end} on each, handing
     * every record before it to {@code each}; returns how many. Fails if no position moves for {@code idle}.
     */
    public static long readTo(
            Consumer<byte[], byte[]> c,
            Map<TopicPartition, Long> end,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each,
            Duration idle) {
        List<TopicPartition> parts = new ArrayList<>(end.keySet());
        c.assign(parts);
        c.seekToBeginning(parts);
        long n = 0;
        long positions = -1;
        long progressAt = System.nanoTime();
        while (true) {
            long sum = 0;
            boolean done = true;
            for (TopicPartition tp : parts) {
                long p = c.position(tp);
                sum += p;
                if (p < end.get(tp)) done = false;
            }
            if (done) return n;
            long now = System.nanoTime();
            if (sum != positions) {
                positions = sum;
                progressAt = now;
            } else if (now - progressAt > idle.toNanos()) {
                Map<TopicPartition, Long> at = new HashMap<>();
                for (TopicPartition tp : parts) at.put(tp, c.position(tp));
                throw new IllegalStateException("read_committed reader stuck at " + at + " before the end " + end);
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) continue;
                each.accept(r);
                n++;
            }
        }
    }
}
