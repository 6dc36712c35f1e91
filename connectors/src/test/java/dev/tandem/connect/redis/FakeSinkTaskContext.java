package dev.tandem.connect.redis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** What a worker gives a sink task, recording what the task asks of it (timeouts, dead letters). */
final class FakeSinkTaskContext implements SinkTaskContext {
    record Report(SinkRecord record, Throwable error) {}

    final List<Long> timeouts = new CopyOnWriteArrayList<>();
    final List<Report> reports = new CopyOnWriteArrayList<>();
    private final Map<String, String> configs;
    private final boolean withReporter;
    private final Set<TopicPartition> assignment = new HashSet<>();

    /** @param withReporter false models errors.tolerance=none on a worker that gives no reporter then */
    FakeSinkTaskContext(Map<String, String> configs, boolean withReporter) {
        this.configs = configs;
        this.withReporter = withReporter;
    }

    List<SinkRecord> reported() {
        List<SinkRecord> out = new ArrayList<>();
        reports.forEach(r -> out.add(r.record()));
        return out;
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {}

    @Override
    public void offset(TopicPartition tp, long offset) {}

    @Override
    public void timeout(long timeoutMs) {
        timeouts.add(timeoutMs);
    }

    @Override
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    @Override
    public void pause(TopicPartition... partitions) {}

    @Override
    public void resume(TopicPartition... partitions) {}

    @Override
    public void requestCommit() {}

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        if (!withReporter) return null;
        return new ErrantRecordReporter() {
            @Override
            public Future<Void> report(SinkRecord record, Throwable error) {
                reports.add(new Report(record, error));
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }
}
