package dev.tandem.bench.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.ScenarioCommand;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The features app against its baseline and its ceiling, its latency per commit interval and its API, in one run.
 * See platform/README.md and docs/benchmarks.md for the method.
 */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = {
                "Features app: SequenceUpdater.apply ops/s; end-to-end events/s (exactly_once_v2) of the real topology, a naive",
                "Avro-list baseline and a raw-bytes ceiling on the same input; event → user-features latency (read_committed) at a",
                "fixed rate for several commit.interval.ms; p99 of GET /v1/users/{id}/features from a second process."})
public final class FeaturesScenario extends ScenarioCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--events", defaultValue = "1000000", description = "Events pre-loaded for the throughput runs (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--users", defaultValue = "0", description = "Users (default: events / 100, between 1,000 and 100,000).")
    int users;

    @Option(names = "--commit-intervals", split = ",", paramLabel = "MS,…", defaultValue = "20,50,100,200",
            description = "commit.interval.ms values measured (default: ${DEFAULT-VALUE}); the app's default is always included.")
    List<Long> commitIntervals;

    @Option(names = "--latency-rate", defaultValue = "5000", description = "Events/s of the latency runs (default: ${DEFAULT-VALUE}).")
    double latencyRate;

    @Option(names = "--latency-seconds", defaultValue = "15", description = "Measured seconds per latency run (default: ${DEFAULT-VALUE}).")
    double latencySeconds;

    @Option(names = "--api-rate", defaultValue = "1000", description = "Requests/s of the API run (default: ${DEFAULT-VALUE}).")
    double apiRate;

    @Option(names = "--api-seconds", defaultValue = "15", description = "Measured seconds of the API run (default: ${DEFAULT-VALUE}).")
    double apiSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", description = "Unrecorded seconds before latency and API measurements (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--apply-seconds", defaultValue = "1", description = "Length of each of the 3 warm-up and 5 measured apply iterations (default: ${DEFAULT-VALUE}).")
    double applySeconds;

    @Option(names = "--seed", defaultValue = "11", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A FeaturesConfig setting for every run (repeatable); streams.* ones reach the baseline and the ceiling too.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--rounds", defaultValue = "1",
            description = "Throughput rounds (real, baseline, ceiling in turn, same input); figures are medians (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-runs", defaultValue = "1",
            description = "Unreported throughput runs of the real topology first, so the JIT and the broker are warm for every measured kind (default: ${DEFAULT-VALUE}).")
    int warmupRuns;

    @Option(names = "--throughput-only", description = "Skip the latency and API runs (experiments).")
    boolean throughputOnly;

    @Option(names = "--uncached-references",
            description = "Baseline and ceiling stores without the record cache the real app's store has (the definition before 2026-11-26).")
    boolean uncachedReferences;

    @Override
    protected String scenario() {
        return "features";
    }

    @Override
    protected void validate() {
        CommandLine cl = spec.commandLine();
        if (events < 1) throw new CommandLine.ParameterException(cl, "--events must be >= 1, got " + events);
        if (rounds < 1) throw new CommandLine.ParameterException(cl, "--rounds must be >= 1");
        if (warmupRuns < 0) throw new CommandLine.ParameterException(cl, "--warmup-runs must be >= 0");
        if (users < 0) throw new CommandLine.ParameterException(cl, "--users must be >= 0");
        for (long c : commitIntervals) if (c < 1) throw new CommandLine.ParameterException(cl, "--commit-intervals must be >= 1 ms");
        if (latencyRate <= 0 || apiRate <= 0) throw new CommandLine.ParameterException(cl, "rates must be > 0");
        if (latencySeconds <= 0 || apiSeconds <= 0 || applySeconds <= 0 || warmupSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "durations must be > 0");
        }
    }

    private PrintWriter out;
    private BenchEnvironment env;
    private final List<Path> stateDirs = new ArrayList<>();

    @Override
    protected Map<String, Number> measure(BenchEnvironment environment, PrintWriter printer) throws Exception {
        this.out = printer;
        this.env = environment;
        FeaturesConfig defaults = FeaturesConfig.defaults();
        long defaultCommit = defaults.commitIntervalMs();
        Set<Long> intervals = new TreeSet<>(commitIntervals);
        intervals.add(defaultCommit);
        int nUsers = users > 0 ? users : (int) Math.max(1_000, Math.min(100_000, events / 100));
        Map<String, Number> m = new LinkedHashMap<>();
        try {
            // 1. the pure update rule, in this JVM
            double apply = new ApplyThroughput(defaults.policy()).measure(3, 5, Duration.ofMillis((long) (applySeconds * 1000)));
            say("apply:    %,.0f ops/s (SequenceUpdater.apply, warm sequence, median of 5 × %.1f s after 3 warm-up)", apply, applySeconds);

            // 2. one input for every throughput run
            String input = env.freshTopic("features-in");
            long t0 = System.nanoTime();
            Map<TopicPartition, Long> inputEnd = preload(input, nUsers);
            say("pre-loaded %,d events of %,d users into %s (%d partitions) in %.1f s", events, nUsers, input, env.partitions(),
                    (System.nanoTime() - t0) / 1e9);

            Map<Long, List<Double>> realRates = new LinkedHashMap<>();
            List<Double> userPathRates = new ArrayList<>();
            List<Double> baselineRates = new ArrayList<>();
            List<Double> ceilingRates = new ArrayList<>();
            for (int w = 0; w < warmupRuns; w++) {
                say("warm-up run %d of %d (not reported):", w + 1, warmupRuns);
                throughput(Kind.REAL, input, inputEnd, defaultCommit);
            }
            for (int r = 0; r < rounds; r++) {
                if (rounds > 1) say("round %d of %d", r + 1, rounds);
                for (long c : intervals) {
                    realRates.computeIfAbsent(c, k -> new ArrayList<>()).add(throughput(Kind.REAL, input, inputEnd, c).eventsPerSec);
                }
                userPathRates.add(throughput(Kind.USER_PATH, input, inputEnd, defaultCommit).eventsPerSec);
                baselineRates.add(throughput(Kind.BASELINE, input, inputEnd, defaultCommit).eventsPerSec);
                ceilingRates.add(throughput(Kind.CEILING, input, inputEnd, defaultCommit).eventsPerSec);
            }
            Map<Long, Run> real = new LinkedHashMap<>();
            realRates.forEach((c, l) -> real.put(c, new Run(median(l), 0, 0)));
            Run baseline = new Run(median(baselineRates), 0, 0);
            Run ceiling = new Run(median(ceilingRates), 0, 0);
            Run userPath = new Run(median(userPathRates), 0, 0);
            if (throughputOnly) {
                Run main = real.get(defaultCommit);
                say("");
                say("summary (throughput only, commit.interval.ms = %d, median of %d round(s)): end to end %,.0f events/s = %.2f × baseline (%,.0f), %.0f %% of ceiling (%,.0f)",
                        defaultCommit, rounds, main.eventsPerSec, main.eventsPerSec / baseline.eventsPerSec, baseline.eventsPerSec,
                        100 * main.eventsPerSec / ceiling.eventsPerSec, ceiling.eventsPerSec);
                m.put("events_per_sec", Math.round(main.eventsPerSec));
                m.put("baseline_events_per_sec", Math.round(baseline.eventsPerSec));
                m.put("ceiling_events_per_sec", Math.round(ceiling.eventsPerSec));
                m.put("ratio_to_baseline", round3(main.eventsPerSec / baseline.eventsPerSec));
                m.put("ratio_to_ceiling", round3(main.eventsPerSec / ceiling.eventsPerSec));
                putUserPath(m, userPath, baseline, ceiling);
                for (long c : intervals) m.put("events_per_sec_commit_" + c, Math.round(real.get(c).eventsPerSec));
                return m;
            }

            // 3. latency at a fixed rate, per commit interval; the API on the default's app
            List<byte[][]> latencyEvents = latencyEvents(nUsers);
            Map<Long, Latency> latency = new LinkedHashMap<>();
            Map<String, Number> api = null;
            for (long c : intervals) {
                boolean apiRun = c == defaultCommit;
                LatencyRun lr = latency(latencyEvents, c, apiRun);
                latency.put(c, lr.latency);
                if (apiRun) api = lr.api;
            }

            Run main = real.get(defaultCommit);
            Latency mainLatency = latency.get(defaultCommit);
            m.put("apply_ops_per_sec", Math.round(apply));
            m.put("events_per_sec", Math.round(main.eventsPerSec));
            m.put("baseline_events_per_sec", Math.round(baseline.eventsPerSec));
            m.put("ceiling_events_per_sec", Math.round(ceiling.eventsPerSec));
            m.put("ratio_to_baseline", round3(main.eventsPerSec / baseline.eventsPerSec));
            m.put("ratio_to_ceiling", round3(main.eventsPerSec / ceiling.eventsPerSec));
            putUserPath(m, userPath, baseline, ceiling);
            m.put("p50_latency_ms", mainLatency.p50Ms);
            m.put("p99_latency_ms", mainLatency.p99Ms);
            m.put("features_api_p99_ms", api.get("p99_ms"));
            m.put("features_api_p50_ms", api.get("p50_ms"));
            m.put("features_api_p999_ms", api.get("p999_ms"));
            m.put("features_api_requests", api.get("requests"));
            m.put("features_api_failed_requests", api.get("errors").longValue() + api.get("non_200").longValue());
            m.put("default_commit_interval_ms", defaultCommit);
            for (long c : intervals) {
                m.put("events_per_sec_commit_" + c, Math.round(real.get(c).eventsPerSec));
                m.put("p50_latency_ms_commit_" + c, latency.get(c).p50Ms);
                m.put("p99_latency_ms_commit_" + c, latency.get(c).p99Ms);
            }
            m.put("events", events);
            m.put("users", nUsers);
            m.put("partitions", env.partitions());
            m.put("latency_events_per_sec", latencyRate);
            m.put("api_requests_per_sec", apiRate);

            say("");
            say("summary (commit.interval.ms = %d, the app's default):", defaultCommit);
            say("  end to end %,.0f events/s = %.2f × baseline (%,.0f), %.0f %% of ceiling (%,.0f)", main.eventsPerSec,
                    main.eventsPerSec / baseline.eventsPerSec, baseline.eventsPerSec, 100 * main.eventsPerSec / ceiling.eventsPerSec,
                    ceiling.eventsPerSec);
            for (long c : intervals) {
                say("  commit %4d ms: %,8.0f events/s, latency p50 %6.1f ms p99 %6.1f ms at %,.0f events/s", c, real.get(c).eventsPerSec,
                        latency.get(c).p50Ms, latency.get(c).p99Ms, latencyRate);
            }
            say("  API: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms at %,.0f requests/s (second process, open loop)",
                    api.get("p50_ms").doubleValue(), api.get("p99_ms").doubleValue(), api.get("p999_ms").doubleValue(), apiRate);
            return m;
        } finally {
            for (Path d : stateDirs) FileTrees.deleteQuietly(d);
        }
    }

    /**
     * The like-for-like comparison: the real app without its item path (item.stats.enabled=false) does the same Kafka
     * work per event as the baseline and the ceiling (one input record, one store write and its changelog, one output).
     */
    private void putUserPath(Map<String, Number> m, Run userPath, Run baseline, Run ceiling) {
        m.put("user_path_events_per_sec", Math.round(userPath.eventsPerSec));
        m.put("user_path_ratio_to_baseline", round3(userPath.eventsPerSec / baseline.eventsPerSec));
        m.put("user_path_ratio_to_ceiling", round3(userPath.eventsPerSec / ceiling.eventsPerSec));
        say("  like for like (real without the item path): %,.0f events/s = %.2f × baseline, %.0f %% of ceiling", userPath.eventsPerSec,
                userPath.eventsPerSec / baseline.eventsPerSec, 100 * userPath.eventsPerSec / ceiling.eventsPerSec);
    }

    private static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }

    // ------------------------------------------------------------------ input

    private Map<TopicPartition, Long> preload(String topic, int nUsers) throws Exception {
        KafkaEndpoints e = env.endpoints();
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(nUsers, Math.max(5_000, nUsers * 4), events, seed));
        SendErrors errors = new SendErrors();
        try (TandemAvroSerializer<UserEvent> serializer = AvroSerdes.valueSerializer(e.registryUrl());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ProducerSettings.throughput(e.bootstrapServers(),
                     "tandem-bench-features-preload"), new ByteArraySerializer(), new ByteArraySerializer())) {
            Iterator<GeneratedEvent> it = world.events();
            while (it.hasNext()) {
                GeneratedEvent g = it.next();
                producer.send(new ProducerRecord<>(topic, g.userId().getBytes(StandardCharsets.UTF_8),
                        serializer.serialize(topic, g.toUserEvent())), errors);
            }
            producer.flush();
        }
        errors.throwIfFailed("pre-loaded events");
        try (Admin admin = admin()) {
            return endOffsets(admin, partitions(topic), IsolationLevel.READ_UNCOMMITTED);
        }
    }

    /** Serialized events for the latency runs: [key, value] pairs, a new world (fresh ids) of the same shape. */
    private List<byte[][]> latencyEvents(int nUsers) throws Exception {
        long n = (long) Math.ceil(latencyRate * (latencySeconds + warmupSeconds));
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(nUsers, Math.max(5_000, nUsers * 4), n, seed + 1));
        List<byte[][]> list = new ArrayList<>();
        try (TandemAvroSerializer<UserEvent> serializer = AvroSerdes.valueSerializer(env.endpoints().registryUrl())) {
            Iterator<GeneratedEvent> it = world.events();
            while (it.hasNext()) {
                GeneratedEvent g = it.next();
                list.add(new byte[][] {g.userId().getBytes(StandardCharsets.UTF_8), serializer.serialize("latency", g.toUserEvent())});
            }
        }
        return list;
    }

    // ------------------------------------------------------------------ throughput

    enum Kind {
        REAL("real topology"), USER_PATH("real, user path"), BASELINE("naive baseline"), CEILING("raw ceiling");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    record Run(double eventsPerSec, double seconds, long outputs) {}

    private FeaturesConfig config(String appId, long commitMs, List<String> topics) throws Exception {
        return config(appId, commitMs, topics, Map.of());
    }

    private FeaturesConfig config(String appId, long commitMs, List<String> topics, Map<String, String> extra) throws Exception {
        Path state = Files.createTempDirectory("tandem-bench-features-state-");
        stateDirs.add(state);
        Map<String, String> v = new HashMap<>();
        v.put(FeaturesConfig.APPLICATION_ID, appId);
        v.put(FeaturesConfig.BOOTSTRAP_SERVERS, env.endpoints().bootstrapServers());
        v.put(FeaturesConfig.SCHEMA_REGISTRY_URL, env.endpoints().registryUrl());
        v.put(FeaturesConfig.STATE_DIR, state.toString());
        v.put(FeaturesConfig.HTTP_PORT, "0");
        v.put(FeaturesConfig.COMMIT_INTERVAL_MS, Long.toString(commitMs));
        v.put(FeaturesConfig.TOPIC_EVENTS, topics.get(0));
        v.put(FeaturesConfig.TOPIC_USER_FEATURES, topics.get(1));
        v.put(FeaturesConfig.TOPIC_ITEMS, topics.get(2));
        v.put(FeaturesConfig.TOPIC_DEAD_LETTERS, topics.get(3));
        v.putAll(settings);
        v.putAll(extra);
        return FeaturesConfig.fromMap(v);
    }

    /** Something that runs a topology: the real app, or a bare KafkaStreams with the same settings. */
    private interface Running extends AutoCloseable {
        KafkaStreams streams();

        @Override
        void close();
    }

    private Running start(Kind kind, FeaturesConfig config) {
        if (kind == Kind.REAL || kind == Kind.USER_PATH) {
            FeaturesApp app = new FeaturesApp(config).start();
            return new Running() {
                public KafkaStreams streams() {
                    return app.streams();
                }

                public void close() {
                    app.close(Duration.ofSeconds(30), true);
                }
            };
        }
        SequencePolicy p = config.policy();
        Topology topology;
        if (kind == Kind.BASELINE) {
            FeatureSerdes serdes = FeatureSerdes.forRegistry(config.schemaRegistryUrl(), config.registryConfigs());
            long[] windows = p.windows().stream().mapToLong(SequencePolicy.CounterWindow::windowMs).toArray();
            topology = NaiveBaselineTopology.build(config.topics().events(), config.topics().userFeatures(), serdes.userEvent(),
                    serdes.userFeatures(), p.maxEvents(), windows, p.topCategories(), referenceStoreCaching(config));
        } else {
            topology = RawRingCeilingTopology.build(config.topics().events(), config.topics().userFeatures(), p.maxEvents(),
                    referenceStoreCaching(config));
        }
        Properties props = config.streamsProperties();
        KafkaStreams ks = new KafkaStreams(topology, props);
        ks.start();
        return new Running() {
            public KafkaStreams streams() {
                return ks;
            }

            public void close() {
                ks.close(Duration.ofSeconds(30));
            }
        };
    }

    /**
     * Whether the baseline's and the ceiling's stores have Kafka Streams' record cache: like the real app's
     * {@code user-sequences} ({@code sequence.store.caching}) unless {@code --uncached-references} (the definition
     * before 2026-11-26, where only the real topology had it).
     */
    private boolean referenceStoreCaching(FeaturesConfig config) {
        return !uncachedReferences && config.options().sequenceStoreCaching();
    }

    /**
     * Runs {@code kind} over the pre-loaded input until every source partition of its consumer group (the input
     * and, for the real topology, the repartition topic) has its committed offset at the end: with exactly-once
     * the outputs of those records are committed in the same transactions. The rate counts from the first commit
     * sample at or past 10 % of the input (JIT and start-up excluded) to the end.
     */
    private Run throughput(Kind kind, String input, Map<TopicPartition, Long> inputEnd, long commitMs) throws Exception {
        List<String> topics = new ArrayList<>(List.of(input));
        topics.addAll(env.freshTopicsUnprimed("features-out", "features-items", "features-dlq"));
        String appId = env.uniqueName("features-" + kind.name().toLowerCase(Locale.ROOT));
        FeaturesConfig config = kind == Kind.USER_PATH ? config(appId, commitMs, topics, Map.of(FeaturesConfig.ITEM_STATS_ENABLED, "false"))
                : config(appId, commitMs, topics);
        long total = inputEnd.values().stream().mapToLong(Long::longValue).sum();
        long timeoutNanos = TimeUnit.SECONDS.toNanos(Math.max(180, total / 2_000));
        Probe probeFrom = null;
        try (Admin admin = admin(); Running running = start(kind, config)) {
            long started = System.nanoTime();
            long tFrom = -1;
            long fromCommitted = 0;
            long tEnd;
            while (true) {
                KafkaStreams.State s = running.streams().state();
                if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_ERROR) {
                    throw new IllegalStateException(kind.label + " stopped: Kafka Streams is " + s + " (run with --verbose for its logs)");
                }
                long now = System.nanoTime();
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                long inputCommitted = 0;
                boolean inputDone = true;
                for (Map.Entry<TopicPartition, Long> e : inputEnd.entrySet()) {
                    OffsetAndMetadata o = committed.get(e.getKey());
                    long off = o == null ? 0 : o.offset();
                    inputCommitted += off;
                    if (off < e.getValue()) inputDone = false;
                }
                if (tFrom < 0 && inputCommitted >= total / 10 && inputCommitted < total) {
                    tFrom = now;
                    fromCommitted = inputCommitted;
                    probeFrom = Probe.take(appId, running.streams());
                }
                if (inputDone && internalDone(admin, committed, inputEnd.keySet())) {
                    tEnd = now;
                    if (probeFrom != null) say("    %s", Probe.take(appId, running.streams()).since(probeFrom, total - fromCommitted));
                    break;
                }
                if (now - started > timeoutNanos) {
                    throw new IllegalStateException(kind.label + " did not finish " + total + " events within "
                            + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s (committed " + inputCommitted + ")");
                }
                Thread.sleep(20);
            }
            if (tFrom < 0) { // everything in the first commit(s): a tiny input
                tFrom = started;
                fromCommitted = 0;
            }
            double seconds = (tEnd - tFrom) / 1e9;
            double rate = (total - fromCommitted) / Math.max(seconds, 1e-3);
            long outputs = countCommitted(topics.get(1), events);
            say("%-15s commit %4d ms: %,9.0f events/s (%,d events in %.2f s after the first 10 %%; %.1f s in all incl. start-up), %,d outputs",
                    kind.label, commitMs, rate, total - fromCommitted, seconds, (tEnd - started) / 1e9, outputs);
            if (outputs < events) {
                throw new IllegalStateException(kind.label + " wrote " + outputs + " user-features records for " + events + " events");
            }
            return new Run(rate, seconds, outputs);
        }
    }

    /**
     * Where a throughput run's time went, between two snapshots: CPU of the stream and producer threads, of this JVM and
     * of the machine (/proc/stat, so the broker child JVM is in it), and Kafka Streams' cumulative client metrics.
     */
    record Probe(long nanos, long streamCpu, long producerCpu, long jvmCpu, long brokerTicks, long machineBusy, long machineTotal,
                 Map<String, Double> metrics) {
        private static final List<String> METRICS = List.of("stream-thread-metrics/commit-total", "stream-thread-metrics/poll-total",
                "stream-thread-metrics/blocked-time-ns-total", "producer-metrics/flush-time-ns-total",
                "producer-metrics/txn-commit-time-ns-total", "producer-metrics/txn-send-offsets-time-ns-total",
                "producer-metrics/txn-begin-time-ns-total", "producer-metrics/record-send-total", "producer-metrics/request-total",
                "producer-metrics/bufferpool-wait-time-ns-total", "consumer-fetch-manager-metrics/records-consumed-total");

        static Probe take(String appId, KafkaStreams ks) {
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
            long jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
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
            for (ProcessHandle ph : (Iterable<ProcessHandle>) ProcessHandle.current().descendants()::iterator) {
                try {
                    if (!new String(Files.readAllBytes(Path.of("/proc/" + ph.pid() + "/cmdline")), StandardCharsets.ISO_8859_1)
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
            return new Probe(System.nanoTime(), stream, producer, jvm, broker, busy, all, m);
        }

        String since(Probe a, long events) {
            double wall = (nanos - a.nanos) / 1e9;
            java.util.function.Function<String, Double> d = k -> metrics.getOrDefault(k, 0.0) - a.metrics.getOrDefault(k, 0.0);
            double machine = machineTotal == a.machineTotal ? 0 : (double) (machineBusy - a.machineBusy) / (machineTotal - a.machineTotal);
            return String.format(Locale.ROOT,
                    "wall %.2f s; CPU s: stream threads %.2f, producer net %.2f, this JVM %.2f, broker %.2f (µs/event: %.1f, %.1f, %.1f, %.1f); machine busy %.0f %% of %d cores;"
                            + " commits %.0f; producer s: flush %.2f, commitTxn %.2f, sendOffsets %.2f, begin %.2f, bufferpool %.2f;"
                            + " thread blocked %.2f s; records sent %.0f (%.2f per event) in %.0f requests; consumed %.0f",
                    wall, (streamCpu - a.streamCpu) / 1e9, (producerCpu - a.producerCpu) / 1e9, (jvmCpu - a.jvmCpu) / 1e9,
                    (brokerTicks - a.brokerTicks) / 100.0, (streamCpu - a.streamCpu) / 1e3 / Math.max(1, events),
                    (producerCpu - a.producerCpu) / 1e3 / Math.max(1, events), (jvmCpu - a.jvmCpu) / 1e3 / Math.max(1, events),
                    (brokerTicks - a.brokerTicks) * 1e4 / Math.max(1, events), 100 * machine,
                    Runtime.getRuntime().availableProcessors(), d.apply("stream-thread-metrics/commit-total"),
                    d.apply("producer-metrics/flush-time-ns-total") / 1e9, d.apply("producer-metrics/txn-commit-time-ns-total") / 1e9,
                    d.apply("producer-metrics/txn-send-offsets-time-ns-total") / 1e9, d.apply("producer-metrics/txn-begin-time-ns-total") / 1e9,
                    d.apply("producer-metrics/bufferpool-wait-time-ns-total") / 1e9, d.apply("stream-thread-metrics/blocked-time-ns-total") / 1e9,
                    d.apply("producer-metrics/record-send-total"), d.apply("producer-metrics/record-send-total") / Math.max(1, events),
                    d.apply("producer-metrics/request-total"), d.apply("consumer-fetch-manager-metrics/records-consumed-total"));
        }
    }

    /** Every other committed partition of the group (repartition topics) at its end offset. */
    private boolean internalDone(Admin admin, Map<TopicPartition, OffsetAndMetadata> committed, Set<TopicPartition> inputs) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> internal = new HashMap<>(committed);
        internal.keySet().removeAll(inputs);
        if (internal.isEmpty()) return true;
        Map<TopicPartition, Long> end = endOffsets(admin, internal.keySet(), IsolationLevel.READ_COMMITTED);
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : internal.entrySet()) {
            if (e.getValue().offset() < end.get(e.getKey())) return false;
        }
        return true;
    }

    /**
     * Non-null records of {@code topic} a read_committed consumer sees, reading until {@code expected} or 30 s of
     * nothing new. (The transaction coordinator writes the commit markers of the output partitions after the one
     * that makes the group's offsets visible, so the last outputs can become readable a few ms after the offsets.)
     */
    private long countCommitted(String topic, long expected) {
        try (KafkaConsumer<byte[], byte[]> c = consumer("tandem-bench-count")) {
            List<TopicPartition> parts = partitionsOf(c, topic);
            c.assign(parts);
            c.seekToBeginning(parts);
            long n = 0;
            long idleSince = System.nanoTime();
            while (n < expected && System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(30)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) n++;
                    idleSince = System.nanoTime();
                }
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ latency and API

    record Latency(double p50Ms, double p99Ms, double p999Ms, double maxMs, long count) {}

    record LatencyRun(Latency latency, Map<String, Number> api) {}

    /**
     * The real app (with its HTTP API) on fresh topics; a paced producer sends {@code latencyRate} events/s with
     * the send time as record timestamp (Streams keeps it on the output); a read_committed consumer of the output
     * records receive time − timestamp. Then, if asked, the API load from a second process.
     */
    private LatencyRun latency(List<byte[][]> evs, long commitMs, boolean withApi) throws Exception {
        List<String> topics = env.freshTopicsUnprimed("latency-in", "latency-out", "latency-items", "latency-dlq");
        FeaturesConfig config = config(env.uniqueName("features-latency"), commitMs, topics);
        FeaturesApp app = new FeaturesApp(config).start();
        try {
            long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!app.isReady()) {
                if (System.nanoTime() > readyBy) throw new IllegalStateException("the features app was not ready within 60 s");
                Thread.sleep(50);
            }
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
            AtomicLong received = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            long warmupEndMs = System.currentTimeMillis() + 500 + (long) (warmupSeconds * 1000);
            Thread reader = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = consumer("tandem-bench-latency")) {
                    List<TopicPartition> parts = partitionsOf(c, topics.get(1));
                    c.assign(parts);
                    c.seekToBeginning(parts);
                    while (!stop.get()) {
                        var records = c.poll(Duration.ofMillis(20));
                        if (records.isEmpty()) continue;
                        Instant now = Instant.now();
                        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            if (r.value() == null) continue;
                            received.incrementAndGet();
                            if (r.timestamp() >= warmupEndMs) {
                                h.recordValue(Math.max(0, Math.min(nowMicros - r.timestamp() * 1000, h.getHighestTrackableValue())));
                            }
                        }
                    }
                }
            }, "bench-latency-reader");
            reader.start();
            Thread.sleep(500);
            Map<String, Object> pp = new HashMap<>(ProducerSettings.throughput(env.endpoints().bootstrapServers(), "tandem-bench-latency"));
            pp.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            pp.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
            SendErrors errors = new SendErrors();
            Set<String> userIds = new LinkedHashSet<>();
            long sendStart;
            long sendEnd;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                long interval = (long) (1e9 / latencyRate);
                sendStart = System.nanoTime();
                for (int i = 0; i < evs.size(); i++) {
                    long due = sendStart + i * interval;
                    long wait = due - System.nanoTime();
                    if (wait > 50_000) LockSupport.parkNanos(wait);
                    byte[][] kv = evs.get(i);
                    producer.send(new ProducerRecord<>(topics.get(0), null, System.currentTimeMillis(), kv[0], kv[1]), errors);
                    if (withApi) userIds.add(new String(kv[0], StandardCharsets.UTF_8));
                }
                sendEnd = System.nanoTime();
                producer.flush();
            }
            errors.throwIfFailed("latency events");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.get() < evs.size() && System.nanoTime() < deadline) Thread.sleep(20);
            stop.set(true);
            reader.join(10_000);
            if (received.get() < evs.size()) {
                throw new IllegalStateException("read " + received.get() + " of " + evs.size() + " user-features records (commit " + commitMs + " ms)");
            }
            double achieved = evs.size() / ((sendEnd - sendStart) / 1e9);
            Latency l = new Latency(round2(h.getValueAtPercentile(50) / 1000.0), round2(h.getValueAtPercentile(99) / 1000.0),
                    round2(h.getValueAtPercentile(99.9) / 1000.0), round2(h.getMaxValue() / 1000.0), h.getTotalCount());
            say("latency   commit %4d ms: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (%,d events recorded, sent at %,.0f/s)",
                    commitMs, l.p50Ms, l.p99Ms, l.p999Ms, l.maxMs, l.count, achieved);
            Map<String, Number> api = withApi ? api(app, config, new ArrayList<>(userIds)) : null;
            return new LatencyRun(l, api);
        } finally {
            app.close(Duration.ofSeconds(30), true);
        }
    }

    /** {@link ApiLoadGenerator} in a child JVM with this JVM's classpath, against the app's API on loopback. */
    private Map<String, Number> api(FeaturesApp app, FeaturesConfig config, List<String> userIds) throws Exception {
        Path ids = Files.createTempFile("tandem-bench-api-ids-", ".txt");
        Path result = Files.createTempFile("tandem-bench-api-", ".json");
        try {
            Files.write(ids, userIds);
            String base = "http://" + config.httpHost() + ":" + app.httpPort();
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=4", "-cp", System.getProperty("java.class.path"),
                    ApiLoadGenerator.class.getName(), base, ids.toString(), Double.toString(apiRate), Double.toString(apiSeconds),
                    Double.toString(warmupSeconds), result.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                if (!p.waitFor((long) (apiSeconds + warmupSeconds) + 120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the API load generator did not finish");
                }
            } finally {
                p.destroy();
            }
            if (p.exitValue() != 0) throw new IllegalStateException("the API load generator failed (exit " + p.exitValue() + ")");
            JsonNode n = JSON.readTree(result.toFile());
            Map<String, Number> m = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().numberValue()));
            say("API       %,d requests of %,d users at %,.0f/s from a second process: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, failed %d",
                    m.get("requests").longValue(), userIds.size(), m.get("achieved_rate").doubleValue(), m.get("p50_ms").doubleValue(),
                    m.get("p99_ms").doubleValue(), m.get("p999_ms").doubleValue(), m.get("max_ms").doubleValue(),
                    m.get("errors").longValue() + m.get("non_200").longValue());
            return m;
        } finally {
            Files.deleteIfExists(ids);
            Files.deleteIfExists(result);
        }
    }

    // ------------------------------------------------------------------ Kafka helpers

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.endpoints().bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "tandem-bench-features"));
    }

    private KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.endpoints().bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> c, String topic) {
        return c.partitionsFor(topic).stream().map(pi -> new TopicPartition(topic, pi.partition())).toList();
    }

    private List<TopicPartition> partitions(String topic) {
        List<TopicPartition> l = new ArrayList<>();
        for (int i = 0; i < env.partitions(); i++) l.add(new TopicPartition(topic, i));
        return l;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, java.util.Collection<TopicPartition> parts, IsolationLevel iso)
            throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (TopicPartition tp : parts) q.put(tp, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(q,
                new org.apache.kafka.clients.admin.ListOffsetsOptions(iso)).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
