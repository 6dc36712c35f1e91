package dev.tandem.bench.features;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Where a throughput run's time went, between two snapshots: CPU of the stream and producer threads, of this JVM and
 * of the machine (/proc/stat, so the broker child JVM is in it), and Kafka Streams' cumulative client metrics.
 */
record ThroughputProbe(
        long nanos,
        long streamCpu,
        long producerCpu,
        long jvmCpu,
        long brokerTicks,
        long machineBusy,
        long machineTotal,
        Map<String, Double> metrics) {
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
        java.lang.management.ThreadMXBean tm = java.lang.management.ManagementFactory.getThreadMXBean();
        long stream = 0;
        long producer = 0;
        for (java.lang.management.ThreadInfo ti : tm.getThreadInfo(tm.getAllThreadIds())) {
            if (ti == null || !ti.getThreadName().contains(appId)) continue;
            long cpu = tm.getThreadCpuTime(ti.getThreadId());
            if (cpu < 0) continue;
            if (ti.getThreadName().startsWith("kafka-producer-network-thread")) producer += cpu;
            else if (ti.getThreadName().matches(".*StreamThread-\\d+$")) stream += cpu;
        }
        long jvm = ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long busy = 0;
        long all = 0;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                long v = Long.parseLong(f[i]);
                all += v;
                if (i != 4 && i != 5) busy += v; // idle, iowait
            }
        } catch (Exception e) {
            // not Linux: machine figures stay 0
        }
        long broker = 0;
        for (ProcessHandle ph :
                (Iterable<ProcessHandle>) ProcessHandle.current().descendants()::iterator) {
            try {
                if (!new String(
                                Files.readAllBytes(Path.of("/proc/" + ph.pid() + "/cmdline")),
                                StandardCharsets.ISO_8859_1)
                        .contains("kafka.Kafka")) continue;
                String st = Files.readString(Path.of("/proc/" + ph.pid() + "/stat"));
                String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
                broker += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            } catch (Exception e) {
                // gone or not Linux
            }
        }
        Map<String, Double> m = new HashMap<>();
        for (var e : ks.metrics().entrySet()) {
            String k = e.getKey().group() + "/" + e.getKey().name();
            if (!METRICS.contains(k)) continue;
            Object v = e.getValue().metricValue();
            if (v instanceof Number n && !Double.isNaN(n.doubleValue())) m.merge(k, n.doubleValue(), Double::sum);
        }
        return new ThroughputProbe(System.nanoTime(), stream, producer, jvm, broker, busy, all, m);
    }

    String since(ThroughputProbe a, long events) {
        double wall = (nanos - a.nanos) / 1e9;
        java.util.function.Function<String, Double> d =
                k -> metrics.getOrDefault(k, 0.0) - a.metrics.getOrDefault(k, 0.0);
        double machine = machineTotal == a.machineTotal
                ? 0
                : (double) (machineBusy - a.machineBusy) / (machineTotal - a.machineTotal);
        return String.format(
                Locale.ROOT,
                "wall %.2f s; CPU s: stream threads %.2f, producer net %.2f, this JVM %.2f, broker %.2f (µs/event: %.1f, %.1f, %.1f, %.1f); machine busy %.0f %% of %d cores;"
                        + " commits %.0f; producer s: flush %.2f, commitTxn %.2f, sendOffsets %.2f, begin %.2f, bufferpool %.2f;"
                        + " thread blocked %.2f s; records sent %.0f (%.2f per event) in %.0f requests; consumed %.0f",
                wall,
                (streamCpu - a.streamCpu) / 1e9,
                (producerCpu - a.producerCpu) / 1e9,
                (jvmCpu - a.jvmCpu) / 1e9,
                (brokerTicks - a.brokerTicks) / 100.0,
                (streamCpu - a.streamCpu) / 1e3 / Math.max(1, events),
                (producerCpu - a.producerCpu) / 1e3 / Math.max(1, events),
                (jvmCpu - a.jvmCpu) / 1e3 / Math.max(1, events),
                (brokerTicks - a.brokerTicks) * 1e4 / Math.max(1, events),
                100 * machine,
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
