package dev.tandem.platform.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.connect.avro.TandemAvroConverter;
import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.platform.connect.PredictionLedger.Sent;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.FaultProxy;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.LoopbackPorts;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.connect.ConnectRest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Nothing lost or stale, with the real worker: a serving sink in Kafka's stock Connect worker (a child JVM, plugin from
 * the packaged zip) under a transactional prediction stream, through a SIGKILL of the worker and a crash of its store.
 *
 * <ol>
 *   <li>worker 1 runs the sink ({@value #TASKS} tasks, {@value #PARTITIONS} partitions) while predictions flow;
 *   <li>once the sink has stored a quarter of the users and committed offsets on every partition, worker 1 is
 *       SIGKILLed: its tasks die mid-stream with no stop and no last offset commit, so some records are written but
 *       not committed; predictions keep flowing, and worker 2 starts and takes the connector over from the config
 *       topic, from the offsets worker 1 last committed;
 *   <li>once worker 2 has written predictions committed after the kill, the store crashes under it, and stays down
 *       until each task's writes have failed on it twice (Connect's {@code RetriableException} log lines) and the
 *       sink's reconnections have reached the {@link FaultProxy} in front of the store; then the store restarts from
 *       what it persisted, and the test waits until the sink, on its own, writes predictions committed after that;
 *   <li>the traffic ends ({@link PredictionTraffic#finish()}), and the store must converge: every user holds exactly
 *       the recommendation {@link PredictionStructs#toRecommendation} makes of that user's newest committed prediction
 *       (by the {@link PredictionLedger}, never by the store), users seen only in aborted transactions hold nothing,
 *       no aborted prediction is ever seen, and the connector's tasks still run.
 * </ol>
 */
final class SinkRecoveryScenario {
    static final int PARTITIONS = 2;
    static final int TASKS = 2;
    static final int USERS = 40;
    static final int GHOSTS = 5;
    static final String OBJECTIVE = "expected-value:PURCHASE";
    static final double MISSING_PRICE = 1.5;
    static final int MAX_ITEMS = 3;
    private static final Duration WORKER_START = Duration.ofSeconds(90);
    private static final Duration PROGRESS = Duration.ofSeconds(60);
    /**
     * A store read that fails (while it restarts, say) is worth another poll; an {@link IllegalStateException} (the
     * store holds what it never may) or an assertion (the traffic failed) ends the wait.
     */
    private static final Predicate<Throwable> RETRY_READ =
            e -> e instanceof Exception && !(e instanceof IllegalStateException);

    /** The serving store the sink writes, as the scenario drives it. */
    interface Store {
        /** For names and messages: {@code redis}, {@code postgresql}. */
        String name();

        /** Where the store listens, the same after {@link #restart()}. */
        int port();

        /** The sink's store settings (connector class, URL, ...), reaching the store at {@code 127.0.0.1:port}. */
        Map<String, String> connectorConfig(int port);

        /** A reader of what the sink wrote, straight to the store (the API's reader). */
        RecommendationStore reader() throws Exception;

        /** The store dies at once, keeping only what it persisted. */
        void crash() throws Exception;

        /** The store starts again from what it persisted. */
        void restart() throws Exception;
    }

    private final TandemClusterExtension cluster;
    private final Store store;
    private final Path work;
    private final Path logs;
    private final long started = System.nanoTime();
    private final List<ChildConnectWorker> workers = new ArrayList<>();
    private final PredictionLedger ledger = new PredictionLedger();
    private final Objective objective = Objective.parse(OBJECTIVE, MISSING_PRICE);
    private final TandemAvroConverter converter = new TandemAvroConverter();
    private final String connector;
    private PredictionTraffic traffic;
    private RecommendationStore reader;

    private SinkRecoveryScenario(TandemClusterExtension cluster, Store store, Path work, Path logs) {
        this.cluster = cluster;
        this.store = store;
        this.work = work;
        this.logs = logs;
        this.connector = "serving-it-" + store.name();
        converter.configure(Map.of("schema.registry.url", cluster.registryUrl()), false);
    }

    /** Runs the scenario on {@code store}; worker logs go to {@code logs}. */
    static void run(TandemClusterExtension cluster, Store store, Path work, Path logs) throws Exception {
        new SinkRecoveryScenario(cluster, store, work, logs).run();
    }

    private void run() throws Exception {
        long seed = Long.getLong("tandem.it.seed", System.nanoTime());
        log("seed " + seed + " (-Dtandem.it.seed=" + seed + " replays this traffic)");
        FileTrees.deleteQuietly(logs);
        Path plugins = work.resolve("plugins");
        ChildConnectWorker.unzipPlugin(ChildConnectWorker.ZIP, plugins);
        try (FaultProxy proxy = FaultProxy.start(LoopbackPorts.HOST, store.port());
                RecommendationStore r = store.reader();
                PredictionTraffic t = new PredictionTraffic(
                        cluster.producerProps(),
                        connector + "-producer",
                        cluster.avroSerializer(),
                        TandemTopics.PREDICTIONS,
                        PARTITIONS,
                        USERS,
                        GHOSTS,
                        seed,
                        ledger)) {
            reader = r;
            traffic = t;
            try {
                scenario(plugins, proxy);
            } finally {
                for (ChildConnectWorker w : workers) w.close();
            }
        }
    }

    private void scenario(Path plugins, FaultProxy proxy) throws Exception {
        ChildConnectWorker first = startWorker("worker-1", plugins);
        ConnectRest.Response created = first.rest().putConfig(connector, connectorConfig(proxy.port()));
        assertThat(created.status()).as(created::errorMessage).isEqualTo(201);
        awaitRunning(first);
        log("worker-1 runs the sink");

        traffic.startInBackground(Duration.ofMillis(10));
        await("the sink writes through worker-1")
                .atMost(PROGRESS)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsMatching(RETRY_READ)
                .until(() -> {
                    traffic.checkHealthy();
                    return stored().size() >= USERS / 4;
                });
        // and has committed offsets on every partition: the next worker resumes from them, not from the beginning
        await("worker-1 commits the sink's offsets")
                .atMost(PROGRESS)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> committedOffsets().size() == PARTITIONS);
        log("worker-1 wrote " + stored().size() + " users; SIGKILL (" + ledger.summary() + ")");
        first.kill();
        int afterKill = ledger.mark();
        log("sink offsets at the kill (committed/end): " + sinkOffsets()
                + "; worker-2 re-reads from the committed ones");

        ChildConnectWorker second = startWorker("worker-2", plugins);
        awaitRunning(second);
        log("worker-2 runs the sink");
        awaitWritten("worker-2 writes predictions committed after the kill", afterKill);

        long connectionsBefore = proxy.connectionsAccepted();
        long failuresBefore = second.retriableFailures();
        store.crash();
        log(store.name() + " crashed under the running sink");
        // the outage lasts until every task's put has failed on it twice (Connect logs each RetriableException and
        // hands the batch again) and the sink's reconnections reach the proxy, which finds nothing behind it
        await("each task's writes failing on the outage")
                .atMost(PROGRESS)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    traffic.checkHealthy();
                    return second.retriableFailures() >= failuresBefore + 2L * TASKS
                            && proxy.connectionsAccepted() >= connectionsBefore + TASKS;
                });
        log("the sink's writes failed " + (second.retriableFailures() - failuresBefore) + " times, its reconnections "
                + (proxy.connectionsAccepted() - connectionsBefore) + " times; restarting " + store.name());
        store.restart();
        int afterRestart = ledger.mark();
        awaitWritten("the sink writes predictions committed after the store restart", afterRestart);
        log("the sink recovered from the store restart by itself");

        traffic.stop();
        traffic.finish();
        log("traffic done: " + ledger.summary());

        await("every user's newest committed prediction in " + store.name())
                .atMost(PROGRESS)
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsMatching(RETRY_READ)
                .untilAsserted(() -> assertThat(mismatches()).isEmpty());
        log("converged");

        Map<String, Sent> expected = ledger.expected();
        for (String user : expected.keySet()) {
            Recommendation stored = reader.latest(user).orElseThrow();
            assertThat(stored.objective()).isEqualTo(OBJECTIVE);
            assertThat(stored.items()).hasSizeLessThanOrEqualTo(MAX_ITEMS);
            assertThat(stored).isEqualTo(expectedRecommendation(expected.get(user)));
        }
        assertThat(expected.keySet()).containsAll(traffic.users()).containsAll(traffic.fences());
        for (String ghost : traffic.ghosts()) {
            assertThat(reader.latest(ghost))
                    .as("%s appeared only in aborted transactions", ghost)
                    .isEmpty();
        }
        assertThat(second.runs(connector, TASKS)).as(second::logTail).isTrue();
        log("all " + expected.size() + " users hold their newest committed prediction; "
                + traffic.ghosts().size() + " ghost users hold nothing");
    }

    private Map<String, String> connectorConfig(int storePort) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("tasks.max", Integer.toString(TASKS));
        c.put("topics", TandemTopics.PREDICTIONS);
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", WorkerSettings.VALUE_CONVERTER);
        c.put("value.converter.schema.registry.url", cluster.registryUrl());
        // the worker sets it too; the connector says it where a reader of its config looks
        c.put("consumer.override.isolation.level", "read_committed");
        c.put("objective", OBJECTIVE);
        c.put("objective.missing.price", Double.toString(MISSING_PRICE));
        c.put("max.items", Integer.toString(MAX_ITEMS));
        c.put("store.retry.backoff.ms", "100");
        c.put("store.retry.max.backoff.ms", "1000");
        // a record the sink cannot store must fail the task here, not slip into a dead-letter topic unseen
        c.put("errors.tolerance", "none");
        c.putAll(store.connectorConfig(storePort));
        return c;
    }

    private ChildConnectWorker startWorker(String name, Path plugins) throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        // sink offsets are committed every second, so a kill finds some written but uncommitted, some neither
        overrides.put("offset.flush.interval.ms", "1000");
        // a dead worker's and dead consumers' group memberships expire in 6 s (the broker's minimum), not 10/45 s
        overrides.put("session.timeout.ms", "6000");
        overrides.put("heartbeat.interval.ms", "2000");
        overrides.put("consumer.session.timeout.ms", "6000");
        overrides.put("consumer.heartbeat.interval.ms", "2000");
        // the lost worker's connector and tasks go to the next one at once, not after the default 5 minutes
        overrides.put("scheduled.rebalance.max.delay.ms", "0");
        overrides.put("offset.storage.partitions", "1");
        overrides.put("status.storage.partitions", "1");
        WorkerSettings settings = new WorkerSettings(
                cluster.bootstrapServers(),
                cluster.registryUrl(),
                LoopbackPorts.freePort(),
                plugins,
                "service_load",
                overrides);
        long t = System.nanoTime();
        ChildConnectWorker w = ChildConnectWorker.start(name, settings, work, logs);
        workers.add(w);
        w.awaitHealthy(WORKER_START);
        log(name + " healthy after " + (System.nanoTime() - t) / 1_000_000 + " ms");
        return w;
    }

    private void awaitRunning(ChildConnectWorker worker) {
        await(connector + " and its " + TASKS + " tasks running on " + worker.workerId())
                .atMost(WORKER_START)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> worker.runs(connector, TASKS));
    }

    /** Waits until the store holds, for some user, a prediction first committed after {@code mark}. */
    private void awaitWritten(String what, int mark) {
        await(what)
                .atMost(PROGRESS)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsMatching(RETRY_READ)
                .until(() -> {
                    traffic.checkHealthy();
                    Set<String> fresh = ledger.requestIdsSince(mark);
                    return stored().values().stream().anyMatch(r -> fresh.contains(r.requestId()));
                });
    }

    /**
     * What the store holds for the test's users now. Anything it could never legitimately hold (a prediction of an
     * aborted transaction, a user seen only in aborted ones, a request the user never had) throws
     * {@link IllegalStateException}, which ends any wait at once: newest-wins would keep it for good.
     */
    private Map<String, Recommendation> stored() throws Exception {
        Map<String, Recommendation> out = new TreeMap<>();
        for (String user : traffic.users()) reader.latest(user).ifPresent(r -> out.put(user, r));
        for (String user : traffic.fences()) reader.latest(user).ifPresent(r -> out.put(user, r));
        for (Map.Entry<String, Recommendation> e : out.entrySet()) {
            String id = e.getValue().requestId();
            if (ledger.isAborted(id)) {
                throw new IllegalStateException(e.getKey() + " holds " + id
                        + " of an aborted transaction: the sink's consumer did not read read_committed");
            }
            if (ledger.committedOf(e.getKey()).stream()
                    .noneMatch(s -> s.requestId().equals(id))) {
                throw new IllegalStateException(e.getKey() + " holds " + id + ", which was never committed for it");
            }
        }
        for (String ghost : traffic.ghosts()) {
            Optional<Recommendation> r = reader.latest(ghost);
            if (r.isPresent()) {
                throw new IllegalStateException(ghost + ", seen only in aborted transactions, holds "
                        + r.get().requestId() + ": the sink's consumer did not read read_committed");
            }
        }
        return out;
    }

    /** Per user whose stored recommendation is not the expected one, what differs. */
    private List<String> mismatches() throws Exception {
        Map<String, Recommendation> now = stored();
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Sent> e : ledger.expected().entrySet()) {
            Sent want = e.getValue();
            Recommendation got = now.get(e.getKey());
            if (got == null) {
                out.add(e.getKey() + ": nothing stored, expected " + describe(want));
            } else if (!got.requestId().equals(want.requestId())) {
                out.add(e.getKey() + ": stored " + got.requestId() + "@" + got.requestTime() + ", expected "
                        + describe(want));
            } else {
                Recommendation expected = expectedRecommendation(want);
                if (!got.equals(expected)) {
                    out.add(e.getKey() + ": " + got.requestId() + " stored with " + differences(got, expected));
                }
            }
        }
        return out;
    }

    /** The fields in which {@code got} differs from {@code want}, as {@code field=got (expected want)}. */
    private static String differences(Recommendation got, Recommendation want) {
        Map<String, Object[]> fields = new LinkedHashMap<>();
        fields.put("requestTime", new Object[] {got.requestTime(), want.requestTime()});
        fields.put("modelName", new Object[] {got.modelName(), want.modelName()});
        fields.put("modelVersion", new Object[] {got.modelVersion(), want.modelVersion()});
        fields.put("featuresAsOf", new Object[] {got.featuresAsOf(), want.featuresAsOf()});
        fields.put("scoredAt", new Object[] {got.scoredAt(), want.scoredAt()});
        fields.put("stages", new Object[] {got.stages(), want.stages()});
        fields.put("objective", new Object[] {got.objective(), want.objective()});
        fields.put("items", new Object[] {got.items(), want.items()});
        List<String> diff = new ArrayList<>();
        fields.forEach((name, v) -> {
            if (!Objects.equals(v[0], v[1])) diff.add(name + "=" + v[0] + " (expected " + v[1] + ")");
        });
        return String.join(", ", diff);
    }

    private static String describe(Sent s) {
        return s.requestId() + "@" + s.requestTime();
    }

    /** What the sink makes of these bytes: our converter, then the sinks' own struct-to-recommendation code. */
    private Recommendation expectedRecommendation(Sent s) {
        Object value =
                converter.toConnectData(TandemTopics.PREDICTIONS, s.value()).value();
        return PredictionStructs.toRecommendation(value, objective, MAX_ITEMS);
    }

    /** The sink group's committed offset per partition (partitions with none left out). */
    private Map<Integer, Long> committedOffsets() throws Exception {
        try (Admin admin = admin()) {
            Map<Integer, Long> out = new TreeMap<>();
            admin.listConsumerGroupOffsets("connect-" + connector)
                    .partitionsToOffsetAndMetadata()
                    .get()
                    .forEach((tp, o) -> {
                        if (o != null) out.put(tp.partition(), o.offset());
                    });
            return out;
        }
    }

    /** The sink group's committed offsets against the partitions' ends (read_committed), per partition. */
    private String sinkOffsets() throws Exception {
        Map<Integer, Long> committed = committedOffsets();
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(TandemTopics.PREDICTIONS, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all()
                    .get();
            Map<Integer, String> out = new TreeMap<>();
            for (TopicPartition tp : latest.keySet()) {
                Long c = committed.get(tp.partition());
                out.put(
                        tp.partition(),
                        (c == null ? "none" : c) + "/" + ends.get(tp).offset());
            }
            return out.toString();
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    private void log(String message) {
        System.out.printf("[%s +%5.1f s] %s%n", store.name(), (System.nanoTime() - started) / 1e9, message);
    }
}
