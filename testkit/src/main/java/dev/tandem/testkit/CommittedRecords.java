package dev.tandem.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Everything a job under test has committed to some topics, collected as raw records: one
 * consumer subscribed from the beginning, {@code read_committed} with
 * {@link TandemClusterExtension#consumerProps}, so an exactly-once writer's output counts only
 * once its transaction commits.
 *
 * <pre>{@code
 * try (CommittedRecords out = CLUSTER.committed("verify", TandemTopics.PREDICTIONS)) {
 *     out.awaitCount(n, Duration.ofSeconds(30)).drainUntilQuiet(Duration.ofSeconds(1), Duration.ofSeconds(30));
 *     List<Prediction> predictions = out.values(CLUSTER.avroDeserializer(Prediction.class));
 * }
 * }</pre>
 *
 * <p>Waiting is done in the consumer's own {@code poll}, never by sleeping. A wait that runs out
 * fails the test with an {@link AssertionError} saying what was collected.
 */
public final class CommittedRecords implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final List<String> topics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    /** A consumer of {@code consumerProps} (its deserializers are replaced by byte arrays) on {@code topics}. */
    public CommittedRecords(Properties consumerProps, String... topics) {
        this.topics = List.of(topics);
        this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(this.topics);
    }

    /** Every record collected so far, in the order polled (per partition, the order committed). */
    public List<ConsumerRecord<byte[], byte[]>> records() {
        return Collections.unmodifiableList(records);
    }

    /** The records collected so far from {@code topic}. */
    public List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        return records.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    public int size() {
        return records.size();
    }

    /** One poll of up to 100 ms; returns how many records it added. */
    public int poll() {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            records.add(r);
            n++;
        }
        return n;
    }

    /**
     * Polls until {@code done} holds (checked after every poll, so it may also assert that the job
     * under test is still healthy), or fails once {@code atMost} has passed.
     */
    public CommittedRecords pollUntil(Duration atMost, BooleanSupplier done) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            poll();
            if (done.getAsBoolean()) return this;
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("condition not met within " + atMost + " on " + topics + " (" + records.size()
                        + " records collected)");
            }
        }
    }

    /** Polls until at least {@code n} records are collected. */
    public CommittedRecords awaitCount(int n, Duration atMost) {
        try {
            return pollUntil(atMost, () -> records.size() >= n);
        } catch (AssertionError e) {
            throw new AssertionError(
                    "expected at least " + n + " records on " + topics + " within " + atMost + ", got "
                            + records.size(),
                    e);
        }
    }

    /**
     * Polls until nothing has arrived for {@code quiet}: whatever a job writes late (a duplicate,
     * a straggler) is in {@link #records()} afterwards. Fails if records keep coming for {@code atMost}.
     */
    public CommittedRecords drainUntilQuiet(Duration quiet, Duration atMost) {
        long[] lastArrival = {System.nanoTime()};
        int[] seen = {records.size()};
        try {
            return pollUntil(atMost, () -> {
                if (records.size() > seen[0]) {
                    seen[0] = records.size();
                    lastArrival[0] = System.nanoTime();
                }
                return System.nanoTime() - lastArrival[0] >= quiet.toNanos();
            });
        } catch (AssertionError e) {
            throw new AssertionError("records on " + topics + " never stopped for " + quiet + " within " + atMost, e);
        }
    }

    /** Every value collected so far, decoded by {@code deserializer}. */
    public <T> List<T> values(Deserializer<T> deserializer) {
        List<T> out = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(deserializer.deserialize(r.topic(), r.value()));
        }
        return out;
    }

    /** The record's key as UTF-8 text, or null. */
    public static String key(ConsumerRecord<byte[], ?> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    /** The last header {@code name} of {@code record} as UTF-8 text, or null when there is none. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
