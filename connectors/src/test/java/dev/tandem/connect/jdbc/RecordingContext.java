package dev.tandem.connect.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** The worker's side of a task, as far as the JDBC sink uses it: backoff requests and the dead-letter reporter. */
final class RecordingContext implements SinkTaskContext {
    record Reported(SinkRecord record, Throwable error) {}

    final List<Long> timeouts = new ArrayList<>();
    final List<Reported> deadLetters = new ArrayList<>();
    private final boolean withReporter;

    private RecordingContext(boolean withReporter) {
        this.withReporter = withReporter;
    }

    /** A worker with {@code errors.deadletterqueue.topic.name} set. */
    static RecordingContext withDeadLetters() {
        return new RecordingContext(true);
    }

    /** A worker without one: {@code errantRecordReporter()} answers null. */
    static RecordingContext withoutDeadLetters() {
        return new RecordingContext(false);
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        if (!withReporter) return null;
        return (SinkRecord record, Throwable error) -> {
            deadLetters.add(new Reported(record, error));
            Future<Void> done = CompletableFuture.completedFuture(null);
            return done;
        };
    }

    @Override
    public void timeout(long timeoutMs) {
        timeouts.add(timeoutMs);
    }

    @Override
    public Map<String, String> configs() {
        return Map.of();
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {}

    @Override
    public void offset(TopicPartition tp, long offset) {}

    @Override
    public Set<TopicPartition> assignment() {
        return Set.of(new TopicPartition("predictions", 0));
    }

    @Override
    public void pause(TopicPartition... partitions) {}

    @Override
    public void resume(TopicPartition... partitions) {}

    @Override
    public void requestCommit() {}

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }
}
