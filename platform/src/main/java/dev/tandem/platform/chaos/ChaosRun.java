package dev.tandem.platform.chaos;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.inference.ScoringApp;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.platform.chaos.ChaosSettings.Component;
import dev.tandem.platform.cli.TandemCli;
import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.platform.demo.ScoringStage;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.server.KafkaSchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.DevCluster;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.KafkaBrokerProcess;
import dev.tandem.testkit.KafkaSecurity;
import dev.tandem.testkit.LoopbackPorts;
import dev.tandem.testkit.TopicAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;

/**
 * A chaos run: the local pipeline as separate processes (a KRaft broker, the features app, the scoring app, a Kafka
 * Connect worker with the JDBC sink into SQLite, the monitoring app), a steady generated load, and a seeded series
 * of SIGKILLs, each followed by a restart of the same process on the same state; then a drain and the exact
 * accounting of {@link Reconcile}. Recovery is timed from the kill to the moment the killed process's output moves
 * again (for the broker: the predictions).
 */
public final class ChaosRun {
    /** A process's output did not move again within this: recorded as this long and the run goes on. */
    static final Duration RECOVERY_LIMIT = Duration.ofSeconds(120);
    /** How long everything may take to catch up after the load stops. */
    static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);

    private static final String STORE_TABLE = "predictions_latest";
    private static final int PARTITIONS = 2;
    private static final int TRAINING_EVENTS = 20_000;
    /** Marks a directory as a chaos run's, so the next run may delete it. */
    static final String MARKER = ".tandem-chaos";

    /** One kill: which process, when in the run, how long until its output moved again. */
    public record Kill(int round, Component component, double atSeconds, double recoverySeconds, boolean recovered) {}

    private final ChaosSettings settings;
    private final Consumer<String> log;
    private final Map<Component, ChildJvm> apps = new EnumMap<>(Component.class);
    private KafkaBrokerProcess broker;
    /** Null unless {@link ChaosSettings#secure()}. */
    private KafkaSecurity security;

    private SchemaRegistryServer registryServer;
    private SchemaRegistryClient registry;

    private int kafkaPort;
    private int controllerPort;
    private Path brokerDir;

    public ChaosRun(ChaosSettings settings, Consumer<String> log) {
        this.settings = settings;
        this.log = log;
    }

    /** Runs the whole thing; every process it started is stopped when it returns or fails. */
    public ChaosReport run() throws Exception {
        try {
            return runProcesses();
        } finally {
            for (ChildJvm app : apps.values()) app.stop();
            if (registryServer != null) registryServer.close();
            if (registry != null) registry.close();
            if (broker != null) broker.close();
        }
    }

    private ChaosReport runProcesses() throws Exception {
        long t0 = System.nanoTime();
        Path dir = settings.dataDir().toAbsolutePath().normalize();
        prepare(dir);
        Path logs = dir.resolve("logs");

        // ---- the model, trained once per world and reused like the demo's
        SyntheticWorld trainingWorld = SyntheticWorld.create(
                GeneratorConfig.of(settings.users(), settings.items(), TRAINING_EVENTS, settings.seed()));
        List<UserEvent> trainingLog = new ArrayList<>();
        trainingWorld.events().forEachRemaining(e -> trainingLog.add(e.toUserEvent()));
        Path model = ScoringStage.trainOrReuse(
                settings.modelsDir(), settings.seed(), settings.users(), settings.items(), trainingLog, 0, "", log);
        if (model == null) throw new IllegalStateException("no model to score with");

        // ---- broker, topics, registry
        kafkaPort = LoopbackPorts.freePort();
        controllerPort = LoopbackPorts.freePort();
        while (controllerPort == kafkaPort) controllerPort = LoopbackPorts.freePort();
        brokerDir = dir.resolve("broker");
        if (settings.secure())
            security = KafkaSecurity.inDirectory(dir.resolve("security"), KafkaAcls.PLATFORM_PRINCIPALS);
        broker = startBroker();
        String bootstrap = broker.bootstrapServers();
        try (Admin admin = Admin.create(adminProps(bootstrap))) {
            TopicAdmin.ensureTopics(admin, DevCluster.topics(PARTITIONS));
        }
        if (security != null) {
            // the grants of the platform's default ids, which ChaosApps gives the processes
            KafkaAcls.apply(bootstrap, security.clientProperties(KafkaSecurity.BROKER), KafkaAcls.platform());
            log.accept("secured: TLS + SCRAM-SHA-512 on " + bootstrap + ", ACLs per process, credentials in "
                    + security.directory());
        }
        Map<String, Object> registryClients = new java.util.HashMap<>(client(KafkaAcls.REGISTRY));
        registryClients.put("bootstrap.servers", bootstrap);
        SchemaRegistryServer.Builder registryBuilder = SchemaRegistryServer.builder()
                .host(LoopbackPorts.HOST)
                .port(0)
                .store(KafkaSchemaStore.open(registryClients, TandemTopics.SCHEMAS, Duration.ofSeconds(30)));
        if (security != null) {
            registryBuilder
                    .tls(security.registryServerTls())
                    .basicAuth(KafkaSecurity.REGISTRY_HTTP_USER, security.registryPassword());
        }
        registryServer = registryBuilder.start();
        String registryUrl = registryServer.url();
        registry = SchemaRegistryClients.forUrl(registryUrl, registryClient());
        String storeUrl = "jdbc:sqlite:" + dir.resolve("serving.db");
        log.accept("broker " + bootstrap + ", registry " + registryUrl + ", data in " + dir);

        // ---- the apps, each a JVM of its own
        FeaturesConfig featuresConfig = FeaturesConfig.defaults();
        Map<String, String> monitoringSettings = ChaosApps.monitoringSettings(
                bootstrap, registryUrl, dir, client(KafkaAcls.MONITORING), registryClient());
        MonitoringConfig monitoringConfig = MonitoringConfig.fromMap(monitoringSettings);
        apps.put(
                Component.FEATURES,
                new ChildJvm(
                        "features",
                        "512m",
                        FeaturesApp.class.getName(),
                        List.of(ChaosApps.write(
                                        dir.resolve("features.properties"),
                                        ChaosApps.featuresSettings(
                                                bootstrap,
                                                registryUrl,
                                                dir,
                                                client(KafkaAcls.FEATURES),
                                                registryClient()))
                                .toString()),
                        logs));
        apps.put(
                Component.SCORING,
                new ChildJvm(
                        "scoring",
                        "1g",
                        ScoringApp.class.getName(),
                        List.of(
                                "--config",
                                ChaosApps.write(
                                                dir.resolve("scoring.properties"),
                                                ChaosApps.scoringSettings(
                                                        bootstrap,
                                                        registryUrl,
                                                        dir,
                                                        model,
                                                        client(KafkaAcls.SCORING),
                                                        registryClient()))
                                        .toString()),
                        logs));
        apps.put(
                Component.CONNECT,
                new ChildJvm(
                        "connect",
                        "512m",
                        TandemCli.class.getName(),
                        ChaosApps.connectArgs(
                                bootstrap,
                                registryUrl,
                                dir,
                                storeUrl,
                                client(KafkaAcls.CONNECT),
                                registryClient(),
                                // the worker's REST API on HTTPS with the cluster's certificate
                                security == null
                                        ? Map.of()
                                        : WorkerSettings.restTlsOverrides(
                                                0, security.keyStore(), security.trustStorePassword(), "PKCS12")),
                        logs));
        apps.put(
                Component.MONITORING,
                new ChildJvm(
                        "monitoring",
                        "512m",
                        MonitoringApp.class.getName(),
                        List.of(ChaosApps.write(dir.resolve("monitoring.properties"), monitoringSettings)
                                .toString()),
                        logs));
        for (ChildJvm app : apps.values()) app.start();

        List<Kill> kills = new ArrayList<>();
        Load.Sent sent;
        Reconcile.Result result;
        Outputs outputs = new Outputs(
                bootstrap,
                client(KafkaSecurity.BROKER),
                List.of(
                        TandemTopics.USER_FEATURES,
                        TandemTopics.PREDICTIONS,
                        TandemTopics.PREDICTION_OUTCOMES,
                        TandemTopics.MODEL_METRICS),
                storeUrl,
                STORE_TABLE);
        SyntheticWorld world = SyntheticWorld.create(
                GeneratorConfig.of(settings.users(), settings.items(), Long.MAX_VALUE, settings.seed()));
        try (Load load = new Load(settings, world, bootstrap, client(KafkaAcls.TOOLS), registry)) {
            outputs.start();
            load.start();
            // every process must be producing before the first kill, or a "recovery" would time its start-up
            for (Component c : Component.values()) {
                if (c == Component.BROKER) continue;
                awaitMoving(c, outputs, output(c, outputs).getAsLong(), Duration.ofMinutes(3), load);
            }
            log.accept(String.format(
                    Locale.ROOT,
                    "all processes produce output after %.0f s; %d rounds of kills",
                    (System.nanoTime() - t0) / 1e9,
                    settings.rounds()));

            Random random = new Random(settings.seed());
            List<Component> order = new ArrayList<>();
            for (int round = 0; round < settings.rounds(); round++) {
                // every victim once before any twice, in a seeded order
                if (order.isEmpty()) {
                    order.addAll(settings.victims());
                    Collections.shuffle(order, random);
                }
                Component victim = order.remove(0);
                long gap = settings.minGap().toMillis()
                        + (long) (random.nextDouble()
                                * (settings.maxGap().toMillis()
                                        - settings.minGap().toMillis()));
                pauseWatching(gap, load);
                kills.add(killAndRestart(round + 1, victim, outputs, load, t0));
            }

            // ---- drain: stop the load, let everything catch up, then count
            sent = load.finish();
            log.accept(String.format(
                    Locale.ROOT,
                    "load stopped: %,d events, %,d invalid events, %,d requests, %,d undecodable requests acknowledged"
                            + " (%d sends failed)",
                    sent.events().size(),
                    sent.invalidEventIds().size(),
                    sent.requests().size(),
                    sent.badRequests(),
                    sent.failedSends()));
            drain(outputs, sent);
            result = new Reconcile(bootstrap, client(KafkaSecurity.BROKER), registry)
                    .run(
                            sent,
                            featuresConfig.policy(),
                            featuresConfig.options().maxClockSkew(),
                            monitoringConfig.options().funnel(),
                            storeUrl,
                            STORE_TABLE);
        } finally {
            outputs.close();
        }
        return ChaosReport.of(settings, kills, sent, result, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Refuses a {@code --data-dir} this command may not empty: one that is neither new, nor empty, nor a chaos run's
     * (holding {@value #MARKER}), so a mistyped path never deletes anything else.
     */
    public static void checkDataDir(Path dir) {
        if (Files.isDirectory(dir)) {
            boolean empty;
            try (var entries = Files.list(dir)) {
                empty = entries.findAny().isEmpty();
            } catch (IOException e) {
                throw new IllegalArgumentException("--data-dir " + dir + " cannot be read: " + e.getMessage());
            }
            if (!empty && !Files.exists(dir.resolve(MARKER)))
                throw new IllegalArgumentException(
                        "--data-dir " + dir + " is not empty and not a chaos run's; give a new or empty directory");
        } else if (Files.exists(dir)) {
            throw new IllegalArgumentException("--data-dir " + dir + " is a file");
        }
    }

    /** The data dir, emptied (after {@link #checkDataDir}) and marked as a chaos run's. */
    private static void prepare(Path dir) throws IOException {
        checkDataDir(dir);
        if (Files.exists(dir)) FileTrees.delete(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKER), "a tandem chaos run's data; the next run deletes it\n");
    }

    private KafkaBrokerProcess startBroker() {
        return KafkaBrokerProcess.builder(brokerDir)
                .port(kafkaPort)
                .controllerPort(controllerPort)
                .maxHeap("768m")
                .security(security)
                .start();
    }

    /** A principal's Kafka client settings on a secured run; none otherwise. */
    private Map<String, String> client(String principal) {
        return security == null ? Map.of() : security.clientProperties(principal);
    }

    /** The registry client's settings on a secured run (truststore, basic auth); none otherwise. */
    private Map<String, String> registryClient() {
        return security == null ? Map.of() : security.registryClientProperties();
    }

    private Map<String, Object> adminProps(String bootstrap) {
        Map<String, Object> m = new java.util.HashMap<>(client(KafkaSecurity.BROKER));
        m.put("bootstrap.servers", bootstrap);
        return m;
    }

    private Kill killAndRestart(int round, Component victim, Outputs outputs, Load load, long t0) throws Exception {
        LongSupplier out = output(victim, outputs);
        double at = (System.nanoTime() - t0) / 1e9;
        long killedAt = System.nanoTime();
        if (victim == Component.BROKER) {
            ProcessHandle.of(broker.pid()).ifPresent(ProcessHandle::destroyForcibly);
            ProcessHandle.of(broker.pid()).ifPresent(h -> h.onExit().join());
            broker.close(); // only forgets the dead process and its pid file
            broker = startBroker();
        } else {
            ChildJvm app = apps.get(victim);
            app.kill();
            app.start();
        }
        long before = out.getAsLong();
        boolean recovered = awaitMoving(victim, outputs, before, RECOVERY_LIMIT, load);
        double recovery = (System.nanoTime() - killedAt) / 1e9;
        log.accept(String.format(
                Locale.ROOT,
                "round %d: killed %s at %.0f s; output %s after %.1f s",
                round,
                victim.key(),
                at,
                recovered ? "moving again" : "NOT moving",
                recovery));
        return new Kill(round, victim, at, recovery, recovered);
    }

    /** The count that shows a process's output moving. */
    private static LongSupplier output(Component c, Outputs outputs) {
        return switch (c) {
            case FEATURES -> () -> outputs.committed(TandemTopics.USER_FEATURES);
            case SCORING, BROKER -> () -> outputs.committed(TandemTopics.PREDICTIONS);
            case CONNECT -> outputs::storeWatermark;
            case MONITORING ->
                () -> outputs.committed(TandemTopics.PREDICTION_OUTCOMES)
                        + outputs.committed(TandemTopics.MODEL_METRICS);
        };
    }

    /** Waits until {@code c}'s output passes {@code from}, failing fast when a process died or the load failed. */
    private boolean awaitMoving(Component c, Outputs outputs, long from, Duration limit, Load load)
            throws InterruptedException {
        LongSupplier out = output(c, outputs);
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (out.getAsLong() > from) return true;
            checkAlive(load);
            Thread.sleep(50); // polling a counter another thread advances; nothing to wait on
        }
        return false;
    }

    private void pauseWatching(long millis, Load load) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            checkAlive(load);
            Thread.sleep(Math.min(200, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    private void checkAlive(Load load) {
        if (load.failure() != null) throw new IllegalStateException("the load generator failed", load.failure());
        if (!broker.isAlive()) throw new IllegalStateException("the broker died on its own: " + broker.logFile());
        for (ChildJvm app : apps.values())
            if (!app.alive()) throw new IllegalStateException("a process died on its own: " + app.death());
    }

    /**
     * Until each app has caught up: every acknowledged request predicted (or the limit), then the committed counts
     * quiet for a few seconds, so the accounting reads a settled state.
     */
    private void drain(Outputs outputs, Load.Sent sent) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        long quietSince = System.nanoTime();
        List<Long> last = List.of();
        while (System.nanoTime() < deadline) {
            List<Long> now = List.of(
                    outputs.committed(TandemTopics.USER_FEATURES),
                    outputs.committed(TandemTopics.PREDICTIONS),
                    outputs.committed(TandemTopics.PREDICTION_OUTCOMES),
                    outputs.storeWatermark());
            if (!now.equals(last)) {
                last = now;
                quietSince = System.nanoTime();
            } else if (now.get(1) >= sent.requests().size() && System.nanoTime() - quietSince > 8_000_000_000L) {
                return;
            }
            for (ChildJvm app : apps.values())
                if (!app.alive()) throw new IllegalStateException("a process died while draining: " + app.death());
            Thread.sleep(200);
        }
        log.accept("drain limit reached; counting what there is");
    }
}
