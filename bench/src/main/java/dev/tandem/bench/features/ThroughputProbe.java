package dev.tandem.bench.features;

import dev.tandem.bench.CpuUse;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Where a throughput run's time went, between two snapshots: CPU of the stream and producer threads, of this JVM, the
 * broker child JVM and the machine ({@link CpuUse}), and Kafka Streams' cumulative client metrics.
 */
record ThroughputProbe(CpuUse cpu, Map<String, Double> metrics) {
    private static final List<String> METRICS = List.of(
            "stream-thread-metrics/commit-total",
            "stream-thread-metrics/poll-total",
            "stream-thread-metrics/blocked-time-ns-total",
            "producer-metrics/flush-time-ns-total",
            "producer-metrics/txn-commit-time-ns-total",
            "producer-metrics/txn-send-offsets-time-ns-total",
            "producer-metrics/txn-begin-time-ns-total",
            "producer-metrics/record-send-total",
            "producer-metrics/request-total",
            "producer-metrics/bufferpool-wait-time-ns-total",
            "consumer-fetch-manager-metrics/records-consumed-total");

    static ThroughputProbe take(String appId, KafkaStreams ks) {
        String app = Pattern.quote(appId);
        CpuUse cpu = CpuUse.take(
                List.of(
                        CpuUse.Threads.of("producer", "^kafka-producer-network-thread.*" + app),
                        CpuUse.Threads.of("stream", app + ".*StreamThread-\\d+$")),
                Map.of("broker", "kafka.Kafka"));
        Map<String, Double> m = new HashMap<>();
        for (var e : ks.metrics().entrySet()) {
            String k = e.getKey().group() + "/" + e.getKey().name();
            if (!METRICS.contains(k)) continue;
            Object v = e.getValue().metricValue();
            if (v instanceof Number n && !Double.isNaN(n.doubleValue())) m.merge(k, n.doubleValue(), Double::sum);
        }
        return new ThroughputProbe(cpu, m);
    }

    String since(ThroughputProbe a, long events) {
        double wall = (cpu.nanos() - a.cpu.nanos()) / 1e9;
        java.util.function.Function<String, Double> d =
                k -> metrics.getOrDefault(k, 0.0) - a.metrics.getOrDefault(k, 0.0);
        double stream = cpu.threadSecondsSince(a.cpu, "stream");
        double producer = cpu.threadSecondsSince(a.cpu, "producer");
        double jvm = cpu.jvmSecondsSince(a.cpu);
        double broker = cpu.processSecondsSince(a.cpu, "broker");
        return String.format(
                Locale.ROOT,
                "wall %.2f s; CPU s: stream threads %.2f, producer net %.2f, this JVM %.2f, broker %.2f (µs/event: %.1f, %.1f, %.1f, %.1f); machine busy %.0f %% of %d cores;"
                        + " commits %.0f; producer s: flush %.2f, commitTxn %.2f, sendOffsets %.2f, begin %.2f, bufferpool %.2f;"
                        + " thread blocked %.2f s; records sent %.0f (%.2f per event) in %.0f requests; consumed %.0f",
                wall,
                stream,
                producer,
                jvm,
                broker,
                stream * 1e6 / Math.max(1, events),
                producer * 1e6 / Math.max(1, events),
                jvm * 1e6 / Math.max(1, events),
                broker * 1e6 / Math.max(1, events),
                100 * cpu.machineBusySince(a.cpu),
                Runtime.getRuntime().availableProcessors(),
                d.apply("stream-thread-metrics/commit-total"),
                d.apply("producer-metrics/flush-time-ns-total") / 1e9,
                d.apply("producer-metrics/txn-commit-time-ns-total") / 1e9,
                d.apply("producer-metrics/txn-send-offsets-time-ns-total") / 1e9,
                d.apply("producer-metrics/txn-begin-time-ns-total") / 1e9,
                d.apply("producer-metrics/bufferpool-wait-time-ns-total") / 1e9,
                d.apply("stream-thread-metrics/blocked-time-ns-total") / 1e9,
                d.apply("producer-metrics/record-send-total"),
                d.apply("producer-metrics/record-send-total") / Math.max(1, events),
                d.apply("producer-metrics/request-total"),
                d.apply("consumer-fetch-manager-metrics/records-consumed-total"));
    }
}
