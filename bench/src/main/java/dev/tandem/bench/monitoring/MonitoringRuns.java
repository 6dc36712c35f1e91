package dev.tandem.bench.monitoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.CpuUse;
import dev.tandem.bench.OutputLedger;
import dev.tandem.bench.monitoring.MonitoringWorkload.Input;
import dev.tandem.bench.monitoring.OutcomeWatch.Mark;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.monitoring.MonitoringTopology;
import dev.tandem.monitoring.core.UserOutcomes;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.testkit.FileTrees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The runs of one {@code tandem bench monitoring}: the state measurement on the input's prefix, the real app and the
 * baseline over the whole input, each timed by an {@link OutcomeWatch} and its outcomes then read to the end and
 * checked; the state dirs of the apps it started are deleted on close.
 */
final class MonitoringRuns implements AutoCloseable {
    /** What one run's outcomes say, to compare the app's with the baseline's. */
    record Tally(long outcomes, long censored, long[] reached, double meanValueBytes) {
        boolean sameOutcomes(Tally o) {
            return outcomes == o.outcomes && censored == o.censored && Arrays.equals(reached, o.reached);
        }

        @Override
        public String toString() {
            return outcomes + " outcomes, " + censored + " censored, reached per stage " + Arrays.toString(reached);
        }
    }

    /** A timed run: outcomes per second from the first 10 % of them to the last, over {@code seconds}. */
    /**
     * @param cpuSeconds       CPU of the run's own threads (the app's stream, state and client threads, or the baseline's
     *                         loop and its clients), from just before it started to the moment its last outcome was
     *                         readable: unlike the rate, hardly moved by what else the two cores run
     * @param brokerCpuSeconds CPU of the broker child JVM over the same span (it serves the run's reads and writes; the
     *                         outcome watcher's reads too, alike for both runs)
     */
    record Run(double outcomesPerSec, double seconds, Tally tally, double cpuSeconds, double brokerCpuSeconds) {
        double cpuMicrosPerOutcome() {
            return tally.outcomes() == 0 ? 0 : cpuSeconds * 1e6 / tally.outcomes();
        }

        double brokerCpuMicrosPerOutcome() {
            return tally.outcomes() == 0 ? 0 : brokerCpuSeconds * 1e6 / tally.outcomes();
        }
    }

    private static final String BROKER = "kafka.Kafka";
    /**
     * In the names of all of the baseline's threads: its loop ({@code tandem-bench-monitoring-baseline}) and its
     * clients' (named after its group, {@code bench-monitoring-baseline-…}); in none of the app's or the watcher's.
     */
    private static final String BASELINE_THREADS = "monitoring-baseline";

    /** This JVM's threads whose names contain {@code marker} (a run's unique application id or group), and the broker. */
    private static CpuUse cpu(String marker) {
        return CpuUse.take(
                List.of(CpuUse.Threads.of("run", java.util.regex.Pattern.quote(marker))), Map.of("broker", BROKER));
    }

    /** The pending-outcomes store's content: entries, their key and value bytes, and what the values hold. */
    record State(long users, long bytes, long pendingPredictions, long pendingCandidates, long conversions) {
        double bytesPerPendingCandidate() {
            return (double) bytes / pendingCandidates;
        }
    }

    private final BenchEnvironment env;
    private final MonitoringWorkload w;
    private final Map<String, String> settings;
    private final boolean exactlyOnce;
    private final Consumer<String> say;
    private final List<Path> stateDirs = new ArrayList<>();

    MonitoringRuns(
            BenchEnvironment env,
            MonitoringWorkload w,
            Map<String, String> settings,
            boolean exactlyOnce,
            Consumer<String> say) {
        this.env = env;
        this.w = w;
        this.settings = settings;
        this.exactlyOnce = exactlyOnce;
        this.say = say;
    }

    private void say(String format, Object... args) {
        say.accept(String.format(Locale.ROOT, format, args));
    }

    private MonitoringConfig config(String appId, Input input, String outcomes, String metrics) throws Exception {
        Path state = Files.createTempDirectory("tandem-bench-monitoring-state-");
        stateDirs.add(state);
        Map<String, String> v = new HashMap<>(settings);
        v.put(MonitoringConfig.APPLICATION_ID, appId);
        v.put(MonitoringConfig.BOOTSTRAP_SERVERS, env.endpoints().bootstrapServers());
        v.put(MonitoringConfig.SCHEMA_REGISTRY_URL, env.endpoints().registryUrl());
        v.put(MonitoringConfig.STATE_DIR, state.toString());
        v.put(MonitoringConfig.HTTP_PORT, "0");
        v.put(MonitoringConfig.PROCESSING_GUARANTEE, exactlyOnce ? "exactly_once_v2" : "at_least_once");
        v.put(MonitoringConfig.TOPIC_EVENTS, input.events());
        v.put(MonitoringConfig.TOPIC_PREDICTIONS, input.predictions());
        // the bench's inputs are fresh topics of its own, with no challenger's predictions beside them
        v.put(MonitoringConfig.TOPIC_PREDICTIONS_SHADOW, "");
        v.put(MonitoringConfig.TOPIC_PREDICTION_OUTCOMES, outcomes);
        v.put(MonitoringConfig.TOPIC_MODEL_METRICS, metrics);
        return MonitoringConfig.fromMap(v);
    }

    private Duration timeout(Input input) {
        return Duration.ofSeconds(Math.max(180, (input.records() + w.outcomes()) / 2_000));
    }

    /**
     * The real app over the input's prefix until it has committed all of it, then every entry of its
     * {@code pending-outcomes} store read through interactive queries: the keys' UTF-8 bytes plus the values' bytes (the
     * {@link UserOutcomes} encoding), and the waiting predictions, candidates and kept conversions the values hold.
     */
    State state(Input prefix) throws Exception {
        List<String> topics = env.freshTopicsUnprimed("monitoring-state-outcomes", "monitoring-state-metrics");
        String appId = env.uniqueName("monitoring-state");
        MonitoringApp app = new MonitoringApp(config(appId, prefix, topics.get(0), topics.get(1))).start();
        long started = System.nanoTime();
        try (Admin admin = admin()) {
            long deadline = started + timeout(prefix).toNanos();
            while (!committedAll(admin, appId, prefix.end())) {
                if (!app.isHealthy())
                    throw new IllegalStateException(
                            "the monitoring app stopped: " + app.streams().state());
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException("the monitoring app did not commit the prefix within "
                            + timeout(prefix).toSeconds() + " s");
                TimeUnit.MILLISECONDS.sleep(50);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            State s = readStore(app);
            say(
                    "state (app over the %,d records of the prefix in %.1f s): %,d users hold %,d waiting predictions"
                            + " (%,d candidates) and %,d kept conversions in %,d bytes of pending-outcomes: %.1f bytes"
                            + " per waiting candidate",
                    prefix.records(),
                    seconds,
                    s.users(),
                    s.pendingPredictions(),
                    s.pendingCandidates(),
                    s.conversions(),
                    s.bytes(),
                    s.pendingCandidates() == 0 ? Double.NaN : s.bytesPerPendingCandidate());
            if (s.pendingCandidates() == 0)
                throw new IllegalStateException("no prediction waiting at the end of the prefix: nothing to measure");
            return s;
        } finally {
            app.close();
        }
    }

    private static State readStore(MonitoringApp app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                ReadOnlyKeyValueStore<String, byte[]> store = app.streams()
                        .store(StoreQueryParameters.fromNameAndType(
                                MonitoringNames.PENDING_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
                long users = 0;
                long bytes = 0;
                long predictions = 0;
                long candidates = 0;
                long conversions = 0;
                try (KeyValueIterator<String, byte[]> it = store.all()) {
                    while (it.hasNext()) {
                        var kv = it.next();
                        UserOutcomes s = UserOutcomes.decode(kv.value);
                        users++;
                        bytes += kv.key.getBytes(StandardCharsets.UTF_8).length + kv.value.length;
                        predictions += s.pending().size();
                        candidates += s.pendingCandidates();
                        conversions += s.conversions().size();
                    }
                }
                return new State(users, bytes, predictions, candidates, conversions);
            } catch (InvalidStateStoreException e) { // rebalancing: the store comes back
                if (System.nanoTime() > deadline) throw e;
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }

    private static boolean committedAll(Admin admin, String group, Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata o = committed.get(e.getKey());
            if ((o == null ? 0 : o.offset()) < e.getValue()) return false;
        }
        return true;
    }

    /** The real monitoring app ({@link MonitoringApp}) over the whole input, timed until every outcome is readable. */
    Run app(Input input) throws Exception {
        List<String> topics = env.freshTopicsUnprimed("monitoring-outcomes", "monitoring-metrics");
        MonitoringConfig config = config(env.uniqueName("monitoring-app"), input, topics.get(0), topics.get(1));
        Mark[] window;
        double total;
        CpuUse before;
        CpuUse after;
        try (OutcomeWatch watch =
                new OutcomeWatch(env.endpoints().bootstrapServers(), topics.get(0), env.partitions(), w.outcomes())) {
            before = cpu(config.applicationId());
            MonitoringApp app = new MonitoringApp(config).start();
            try {
                window = watch.awaitAll(
                        timeout(input),
                        () -> app.isHealthy()
                                ? null
                                : "the monitoring app stopped: " + app.streams().state());
                // before close: a thread's CPU time is gone once it ends
                after = cpu(config.applicationId());
            } finally {
                app.close();
            }
            total = watch.secondsSinceStart(window[1]);
        }
        return finish("monitoring app", topics.get(0), window, total, before, after);
    }

    /** The {@link BaselineJoin} over the whole input, timed as the app is. */
    Run baseline(Input input, MonitoringTopology.Options options) throws Exception {
        String out = env.freshTopicsUnprimed("monitoring-baseline-outcomes").get(0);
        BaselineJoin join = new BaselineJoin(
                options, env.endpoints().bootstrapServers(), env.endpoints().registryUrl(), out);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String group = env.uniqueName("monitoring-baseline");
        Thread t = new Thread(
                () -> {
                    try {
                        join.run(input.events(), input.predictions(), input.end(), env.partitions(), group);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                },
                "tandem-bench-monitoring-baseline");
        Mark[] window;
        double total;
        CpuUse before;
        CpuUse after;
        try (OutcomeWatch watch =
                new OutcomeWatch(env.endpoints().bootstrapServers(), out, env.partitions(), w.outcomes())) {
            // its loop thread by name, its producer and consumer threads by their ids (the group and the topic)
            before = cpu(BASELINE_THREADS);
            t.start();
            window = watch.awaitAll(timeout(input), () -> {
                Throwable e = failure.get();
                return e == null ? null : "the baseline failed: " + e;
            });
            after = cpu(BASELINE_THREADS);
            total = watch.secondsSinceStart(window[1]);
        } finally {
            t.join(TimeUnit.MINUTES.toMillis(2));
        }
        if (failure.get() != null) throw new IllegalStateException("the baseline failed", failure.get());
        return finish("baseline", out, window, total, before, after);
    }

    private Run finish(String what, String topic, Mark[] window, double totalSeconds, CpuUse before, CpuUse after)
            throws Exception {
        long outcomes = window[1].count() - window[0].count();
        double seconds = (window[1].nanos() - window[0].nanos()) / 1e9;
        double rate = outcomes / Math.max(seconds, 1e-3);
        Tally tally = verify(what, topic);
        Run run = new Run(
                rate,
                seconds,
                tally,
                after.threadSecondsSince(before, "run"),
                after.processSecondsSince(before, "broker"));
        say(
                "%-15s %,10.0f outcomes/s (%,d outcomes in %.2f s after the first 10 %%; %.1f s in all incl. start-up);"
                        + " %s; CPU %.2f µs per outcome (its threads; the broker %.2f)",
                what + ":",
                rate,
                outcomes,
                seconds,
                totalSeconds,
                tally,
                run.cpuMicrosPerOutcome(),
                run.brokerCpuMicrosPerOutcome());
        return run;
    }

    /**
     * Every outcome of {@code topic}, read_committed from the beginning to its end once no transaction is open, entered
     * per (request, candidate): one each for every candidate of the workload, or the run fails.
     */
    private Tally verify(String what, String topic) throws Exception {
        OutputLedger ledger = new OutputLedger();
        long[] censored = new long[1];
        long[] unknown = new long[1];
        long[] reached = new long[MonitoringWorkload.STAGES.size()];
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < env.partitions(); p++) parts.add(new TopicPartition(topic, p));
        try (TandemAvroDeserializer<PredictionOutcome> d =
                        AvroSerdes.valueDeserializer(env.endpoints().registryUrl());
                Admin admin = admin();
                KafkaConsumer<byte[], byte[]> c =
                        CommittedTopic.consumer(env.endpoints().bootstrapServers(), "tandem-bench-monitoring-verify")) {
            CommittedTopic.End end = CommittedTopic.settledEnd(admin, parts, Duration.ofSeconds(60));
            if (!end.settled())
                say("    (%s: a transaction still open after 60 s; read to its last stable offset)", topic);
            CommittedTopic.readTo(
                    c,
                    end.offsets(),
                    r -> {
                        PredictionOutcome o = d.deserialize(topic, r.value());
                        int n = MonitoringWorkload.requestNumber(o.getRequestId());
                        int j = w.candidateIndex(n, o.getItemId());
                        if (j < 0) {
                            unknown[0]++;
                            return;
                        }
                        ledger.add(o.getRequestId(), j, r.value().length);
                        if (o.getCensored()) censored[0]++;
                        for (int k = 0; k < reached.length; k++)
                            if (o.getReached().get(k)) reached[k]++;
                    },
                    Duration.ofSeconds(60));
        }
        if (unknown[0] > 0)
            throw new IllegalStateException(what + ": " + unknown[0] + " outcomes of no candidate of the workload");
        ledger.requireExactly(w.outcomes(), what, "(request_id, candidate)");
        return new Tally(ledger.records(), censored[0], reached, ledger.meanValueBytes());
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                env.endpoints().bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-bench-monitoring"));
    }

    @Override
    public void close() {
        for (Path d : stateDirs) FileTrees.deleteQuietly(d);
    }
}
