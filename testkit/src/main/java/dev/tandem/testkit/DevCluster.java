package dev.tandem.testkit;

import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code tandem dev-cluster} and {@code tandem demo} run: one KRaft broker, the schema
 * registry backed by the compacted {@code _schemas} topic, and every platform topic. All on
 * 127.0.0.1, with its state in {@link Config#dataDir()} so that topics, data and schema ids
 * survive a restart.
 *
 * <pre>{@code
 * try (DevCluster cluster = DevCluster.start(DevCluster.Config.defaults())) {
 *     System.out.println(cluster.bootstrapServers() + " " + cluster.registryUrl());
 * }
 * }</pre>
 *
 * Start-up failures are exceptions whose message is meant to be printed as-is: a taken port is a
 * {@link PortInUseException}, a dev cluster already running from the same dir an
 * {@link IllegalStateException} naming its pid.
 */
public final class DevCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DevCluster.class);

    /**
     * @param dataDir where the broker keeps its log dir, server.properties, broker.log and (child
     *     process only) broker.pid
     * @param kafkaPort the broker's client port (0 = any free port)
     * @param registryPort the schema registry's HTTP port (0 = any free port)
     * @param partitions partitions of each multi-partition platform topic
     * @param childProcess run the broker as a child JVM (true) or inside this JVM
     * @param secure TLS, SCRAM-SHA-512 and ACLs (see {@link KafkaSecurity}, {@link KafkaAcls#platform()}), and the
     *     registry on HTTPS with basic auth; each component's client settings (Kafka and registry) are written to
     *     {@code <dataDir>/security/<principal>.properties}
     */
    public record Config(
            Path dataDir, int kafkaPort, int registryPort, int partitions, boolean childProcess, boolean secure) {
        public static final Path DEFAULT_DATA_DIR = Path.of(".tandem", "dev-cluster");
        public static final int DEFAULT_KAFKA_PORT = 9092;
        public static final int DEFAULT_REGISTRY_PORT = 8081;

        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            checkPort(kafkaPort, "kafkaPort");
            checkPort(registryPort, "registryPort");
            if (kafkaPort != 0 && kafkaPort == registryPort) {
                throw new IllegalArgumentException("kafkaPort and registryPort must differ: " + kafkaPort);
            }
            if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1: " + partitions);
        }

        public Config(Path dataDir, int kafkaPort, int registryPort, int partitions, boolean childProcess) {
            this(dataDir, kafkaPort, registryPort, partitions, childProcess, false);
        }

        /** {@code .tandem/dev-cluster} under the working dir, Kafka on 9092, registry on 8081, 4 partitions, child JVM. */
        public static Config defaults() {
            return new Config(
                    DEFAULT_DATA_DIR, DEFAULT_KAFKA_PORT, DEFAULT_REGISTRY_PORT, TandemTopics.DEFAULT_PARTITIONS, true);
        }

        public Config withDataDir(Path dir) {
            return new Config(dir, kafkaPort, registryPort, partitions, childProcess, secure);
        }

        public Config withKafkaPort(int port) {
            return new Config(dataDir, port, registryPort, partitions, childProcess, secure);
        }

        public Config withRegistryPort(int port) {
            return new Config(dataDir, kafkaPort, port, partitions, childProcess, secure);
        }

        public Config withPartitions(int n) {
            return new Config(dataDir, kafkaPort, registryPort, n, childProcess, secure);
        }

        public Config withChildProcess(boolean child) {
            return new Config(dataDir, kafkaPort, registryPort, partitions, child, secure);
        }

        public Config withSecure(boolean on) {
            return new Config(dataDir, kafkaPort, registryPort, partitions, childProcess, on);
        }

        private static void checkPort(int port, String name) {
            if (port < 0 || port > 65_535) throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }

    /** Where a secured cluster keeps its certificate, credentials and client settings. */
    public static final String SECURITY_DIR = "security";

    private final Config config;
    private final KafkaBroker broker;
    private final SchemaRegistryServer registry;
    private final KafkaSecurity security;
    private boolean closed;

    private DevCluster(Config config, KafkaBroker broker, SchemaRegistryServer registry, KafkaSecurity security) {
        this.config = config;
        this.broker = broker;
        this.registry = registry;
        this.security = security;
    }

    /** The topics a dev cluster creates: every platform topic plus the registry's log. */
    public static List<TopicSpec> topics(int partitions) {
        List<TopicSpec> all = new ArrayList<>(TandemTopics.all(partitions));
        all.add(TandemTopics.schemasTopic());
        return List.copyOf(all);
    }

    /** Starts broker, topics and registry; returns when all three answer. */
    public static DevCluster start(Config config) {
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        // Report a running dev cluster before its ports: "already running" is the useful message.
        if (config.childProcess()) KafkaBrokerProcess.refuseIfRunning(dataDir);
        LoopbackPorts.requireFree(config.kafkaPort(), "Kafka");
        LoopbackPorts.requireFree(config.registryPort(), "Schema registry");

        long t0 = System.nanoTime();
        KafkaSecurity security = config.secure() ? security(dataDir) : null;
        KafkaBroker broker = config.childProcess()
                ? KafkaBrokerProcess.builder(dataDir)
                        .port(config.kafkaPort())
                        .security(security)
                        .start()
                : EmbeddedKafkaBroker.builder()
                        .dataDir(dataDir.resolve(KafkaBrokerProcess.LOG_DIR))
                        .port(config.kafkaPort())
                        .security(security)
                        .start();
        SchemaRegistryServer registry = null;
        try {
            Map<String, String> operator =
                    security == null ? Map.of() : security.clientProperties(KafkaSecurity.BROKER);
            Map<String, Object> admin = new java.util.HashMap<>(operator);
            admin.put("bootstrap.servers", broker.bootstrapServers());
            try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(admin)) {
                TopicAdmin.ensureTopics(a, topics(config.partitions()));
            }
            if (security != null) KafkaAcls.apply(broker.bootstrapServers(), operator, KafkaAcls.platform());
            registry = SchemaRegistryLauncher.start(
                    broker.bootstrapServers(),
                    security == null ? Map.of() : security.clientProperties(KafkaAcls.REGISTRY),
                    config.registryPort(),
                    security);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        DevCluster cluster = new DevCluster(config, broker, registry, security);
        LOG.info(
                "dev cluster up in {} ms: Kafka {} , schema registry {}, data in {}",
                (System.nanoTime() - t0) / 1_000_000,
                cluster.bootstrapServers(),
                cluster.registryUrl(),
                dataDir);
        return cluster;
    }

    /**
     * The security material of a secured cluster, generated on its first start: a cluster formatted without it has
     * no SCRAM users, so securing it later is refused rather than left unable to authenticate anyone.
     */
    private static KafkaSecurity security(Path dataDir) {
        Path dir = dataDir.resolve(SECURITY_DIR);
        boolean formatted = java.nio.file.Files.isRegularFile(
                dataDir.resolve(KafkaBrokerProcess.LOG_DIR).resolve(KraftBrokerConfig.META_PROPERTIES));
        if (formatted && !java.nio.file.Files.isDirectory(dir))
            throw new IllegalStateException("the dev cluster in " + dataDir
                    + " was created without security; delete it (or use another --data-dir) to start it secured");
        try {
            KafkaSecurity s = KafkaSecurity.inDirectory(dir, KafkaAcls.PLATFORM_PRINCIPALS);
            s.writeClientFiles();
            return s;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot prepare the dev cluster's security in " + dir, e);
        }
    }

    public Config config() {
        return config;
    }

    /** The security material of a secured cluster, or null. */
    public KafkaSecurity security() {
        return security;
    }

    /** {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String registryUrl() {
        return registry.url();
    }

    public KafkaBroker broker() {
        return broker;
    }

    /** Stops the registry (so no write is lost), then the broker; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            registry.close();
        } finally {
            broker.close();
        }
    }
}
