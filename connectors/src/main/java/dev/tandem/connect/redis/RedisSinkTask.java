package dev.tandem.connect.redis;

import dev.tandem.connect.redis.RedisWriter.Result;
import dev.tandem.connect.redis.RedisWriter.StoreUnavailableException;
import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.sink.PredictionDecoder;
import dev.tandem.connect.sink.SinkMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each user's newest prediction in Redis. Each {@code put} is written completely before it returns (reduced to
 * one write per user, pipelined, every reply awaited), so an offset is committed only once Redis holds everything
 * before it. When Redis fails, {@code put} asks Connect to wait ({@code context.timeout}, doubling per failure) and
 * throws {@link RetriableException}: Connect pauses consumption and hands the same batch again, which is safe since a
 * write is a no-op for anything Redis already holds, newer or the same.
 *
 * <p>A record that is not a valid prediction (or a tombstone without a user id key) goes to Connect's errant record
 * reporter (the dead-letter queue with {@code errors.tolerance=all}); without one the task fails on it.
 */
public class RedisSinkTask extends SinkTask {
    private static final Logger log = LoggerFactory.getLogger(RedisSinkTask.class);

    private record RecordId(String topic, int partition, long offset) {
        static RecordId of(SinkRecord r) {
            return new RecordId(r.originalTopic(), r.originalKafkaPartition(), r.originalKafkaOffset());
        }
    }

    private RedisSinkConfig config;
    private Objective objective;
    private PredictionDecoder decoder;
    private RedisWriter writer;
    private SinkMetrics metrics;
    /** Per partition, the offset after the last record of a batch Redis acknowledged: all a commit may claim. */
    private final Map<TopicPartition, Long> writtenOffsets = new HashMap<>();
    /** Records of a failed batch already reported, so its redelivery does not dead-letter them twice. */
    private final Set<RecordId> reportedInFailedBatch = new HashSet<>();

    private int consecutiveFailures;

    @Override
    public String version() {
        return RedisSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new RedisSinkConfig(props);
        objective = config.objective();
        decoder = new PredictionDecoder(config);
        metrics = new SinkMetrics(config.connectorName(), config.taskId());
        LettuceClient client = new LettuceClient(config.redisUri(), config.connectTimeout(), false);
        writer = new RedisWriter(
                client,
                new RedisKeys(config.keyPrefix()),
                config.ttlSeconds(),
                config.itemScores(),
                config.commandTimeout());
        // no connection yet: a task must start while Redis is down and wait for it in put, not fail
        log.info(
                "Redis sink task {} of {} writing to {} (prefix '{}', objective {}, ttl {} s, item scores {})",
                config.taskId(),
                config.connectorName(),
                client.describe(),
                config.keyPrefix(),
                objective,
                config.ttlSeconds(),
                config.itemScores());
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) return;
        long started = System.nanoTime();
        BatchReduction<SinkRecord> batch = new BatchReduction<>();
        Map<TopicPartition, Long> next = new HashMap<>();
        for (SinkRecord r : records) {
            next.merge(
                    new TopicPartition(r.originalTopic(), r.originalKafkaPartition()),
                    r.originalKafkaOffset() + 1,
                    Math::max);
            try {
                if (r.value() == null) batch.tombstone(userIdOfTombstone(r));
                else batch.prediction(decoder.toRecommendation(r.topic(), r.value()), r);
            } catch (DataException e) {
                report(r, e);
            }
        }

        List<Result<SinkRecord>> results;
        try {
            results = writer.write(batch.writes());
        } catch (RedisWriter.StoreRefusedException e) {
            // nothing of the batch is committed: after the credentials or ACLs are fixed, a restart writes it all
            metrics.failure();
            throw new ConnectException(e.getMessage(), e);
        } catch (StoreUnavailableException e) {
            consecutiveFailures++;
            metrics.failure();
            long backoff = config.backoffMs(consecutiveFailures);
            context.timeout(backoff);
            log.warn(
                    "Redis unavailable (failure {} in a row), retrying {} records in {} ms: {}",
                    consecutiveFailures,
                    records.size(),
                    backoff,
                    e.getMessage());
            throw new RetriableException("Redis unavailable: " + e.getMessage(), e);
        }
        consecutiveFailures = 0;

        int written = 0, refused = 0;
        for (Result<SinkRecord> res : results) {
            switch (res.outcome()) {
                case WRITTEN -> written++;
                case REFUSED -> {
                    refused++;
                    report(
                            res.write().source(),
                            new DataException(
                                    "Redis refused the write for user "
                                            + res.write().userId() + ": "
                                            + res.error().getMessage(),
                                    res.error()));
                }
                case STALE, DELETED -> {}
            }
        }
        reportedInFailedBatch.clear();
        next.forEach((tp, offset) -> writtenOffsets.merge(tp, offset, Math::max));
        metrics.batch(written, batch.predictions() - written - refused, System.nanoTime() - started);
    }

    private static String userIdOfTombstone(SinkRecord r) {
        Object key = r.key();
        if (key instanceof String s && !s.isEmpty()) return s;
        if (key instanceof byte[] b && b.length > 0) return new String(b, StandardCharsets.UTF_8);
        if (key instanceof ByteBuffer b && b.hasRemaining()) {
            return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
        }
        throw new DataException("a tombstone (null value) needs the user id as its key, got "
                + (key == null ? "no key" : key.getClass().getName()));
    }

    private void report(SinkRecord r, DataException e) {
        ErrantRecordReporter reporter = errantRecordReporter();
        if (reporter == null) {
            throw new DataException(
                    "record " + RecordId.of(r) + " is not a prediction and no dead-letter queue is configured"
                            + " (errors.tolerance=none): " + e.getMessage(),
                    e);
        }
        if (reportedInFailedBatch.add(RecordId.of(r))) {
            log.debug("dead-lettering {}: {}", RecordId.of(r), e.getMessage());
            reporter.report(r, e);
        }
    }

    private ErrantRecordReporter errantRecordReporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a worker older than Kafka 2.6
        }
    }

    /** Only offsets of batches Redis fully acknowledged: Connect's own view may not be ahead of the store. */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        currentOffsets.forEach((tp, current) -> {
            Long written = writtenOffsets.get(tp);
            if (written != null) {
                commit.put(tp, new OffsetAndMetadata(Math.min(written, current.offset()), current.metadata()));
            }
        });
        return commit;
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        // another task may own them next; what we wrote was committed or will be redelivered to it
        partitions.forEach(writtenOffsets::remove);
    }

    @Override
    public void stop() {
        try {
            if (writer != null) writer.close();
        } catch (RuntimeException e) {
            throw new ConnectException("closing the Redis connection failed", e);
        } finally {
            if (metrics != null) metrics.close();
            if (decoder != null) decoder.close();
        }
    }

    /** This task's counters (tests read them). */
    SinkMetrics metrics() {
        return metrics;
    }
}
