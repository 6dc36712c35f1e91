package dev.tandem.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The configuration of one KRaft node that is both broker and controller, listening on 127.0.0.1
 * only, and the storage-format step that must run once before its first start.
 *
 * <p>Ports are resolved when the object is built (0 picks a free loopback port), so
 * {@link #bootstrapServers()} is known before the broker starts. The controller quorum is static
 * ({@code controller.quorum.voters}, kraft.version 0): nothing about the controller's address is
 * written to disk, so a dev cluster's data survives a restart on different controller ports.
 */
public final class KraftBrokerConfig {
    public static final int NODE_ID = 1;
    public static final String BROKER_LISTENER = "PLAINTEXT";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Kafka writes this file into every formatted log dir. */
    public static final String META_PROPERTIES = "meta.properties";

    public static final int DEFAULT_PARTITIONS = 4;

    private final Path logDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    /** Null for a PLAINTEXT node. */
    private final KafkaSecurity security;

    private KraftBrokerConfig(
            Path logDir, int brokerPort, int controllerPort, Map<String, String> overrides, KafkaSecurity security) {
        this.logDir = logDir.toAbsolutePath().normalize();
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.overrides = Map.copyOf(overrides);
        this.security = security;
    }

    /** A node with its data in {@code logDir}; a port of 0 means any free loopback port. */
    public static KraftBrokerConfig of(Path logDir, int brokerPort, int controllerPort) {
        int broker = LoopbackPorts.resolve(brokerPort);
        int controller = LoopbackPorts.resolve(controllerPort);
        while (controller == broker) controller = LoopbackPorts.freePort();
        return new KraftBrokerConfig(logDir, broker, controller, Map.of(), null);
    }

    /** Same node with an extra broker setting, e.g. {@code log.retention.ms}; overrides win. */
    public KraftBrokerConfig withOverride(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(overrides);
        copy.put(key, value);
        return new KraftBrokerConfig(logDir, brokerPort, controllerPort, copy, security);
    }

    public KraftBrokerConfig withOverrides(Map<String, String> more) {
        Map<String, String> copy = new LinkedHashMap<>(overrides);
        copy.putAll(more);
        return new KraftBrokerConfig(logDir, brokerPort, controllerPort, copy, security);
    }

    /**
     * Same node secured by {@code security} (null: PLAINTEXT): TLS + SCRAM on the client listener, ACLs enforced,
     * its SCRAM users seeded when the storage is formatted.
     */
    public KraftBrokerConfig withSecurity(KafkaSecurity security) {
        return new KraftBrokerConfig(logDir, brokerPort, controllerPort, overrides, security);
    }

    /** The node's security, or null for a PLAINTEXT node. */
    public KafkaSecurity security() {
        return security;
    }

    /** What a client with every right needs besides the bootstrap servers: nothing on a PLAINTEXT node. */
    public Map<String, String> superUserClientProperties() {
        return security == null ? Map.of() : security.clientProperties(KafkaSecurity.BROKER);
    }

    public Path logDir() {
        return logDir;
    }

    public int brokerPort() {
        return brokerPort;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public String bootstrapServers() {
        return LoopbackPorts.HOST + ":" + brokerPort;
    }

    /** The broker's {@code server.properties}. */
    public Properties toProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + LoopbackPorts.HOST + ":" + controllerPort);
        p.put(
                "listeners",
                BROKER_LISTENER + "://" + LoopbackPorts.HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://"
                        + LoopbackPorts.HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + LoopbackPorts.HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", logDir.toString());

        // One node: every internal topic must be satisfiable with a single replica, or
        // transactions, consumer offsets and share groups hang waiting for replicas.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // Few partitions for the internal topics: each one costs start-up time and file handles,
        // and a single broker gains nothing from spreading coordinators.
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.num.partitions", "1");

        // Tests and the demo start consumers right away; the 3 s default delay only slows them.
        p.put("group.initial.rebalance.delay.ms", "0");
        // A typo in a topic name must fail loudly instead of silently creating a new topic.
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", String.valueOf(DEFAULT_PARTITIONS));
        // The cleaner's default 128 MiB dedupe buffer is sized for production brokers.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        p.put("log.cleaner.backoff.ms", "1000");

        if (security != null) p.putAll(security.brokerProperties(LoopbackPorts.HOST, brokerPort, controllerPort));
        p.putAll(overrides);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /** Writes {@link #toProperties()} to {@code file}, sorted so that diffs between runs are readable. */
    public void writeTo(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Map<String, String> sorted = new TreeMap<>();
        toProperties().forEach((k, v) -> sorted.put(k.toString(), v.toString()));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("# Generated by tandem-testkit on every start; edits are overwritten.\n");
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue().replace("\\", "\\\\") + "\n");
            }
        }
    }

    /** Whether {@link #logDir()} has already been formatted (its data is kept across restarts). */
    public boolean isFormatted() {
        return Files.isRegularFile(logDir.resolve(META_PROPERTIES));
    }

    /**
     * Formats the log dir unless it already is: writes meta.properties with a new cluster id and
     * the bootstrap metadata snapshot at the latest production metadata version, which the
     * controller needs before its first start.
     *
     * @return whether the directory was formatted by this call
     */
    public boolean formatIfNeeded() throws IOException {
        if (isFormatted()) return false;
        format(Uuid.randomUuid().toString());
        return true;
    }

    /** Formats the log dir with {@code clusterId}; fails if it is already formatted. */
    public void format(String clusterId) throws IOException {
        Files.createDirectories(logDir);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setMetadataLogDirectory(logDir.toString())
                    .addDirectory(logDir.toString())
                    .setScramArguments(security == null ? java.util.List.of() : security.scramArguments())
                    .run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // Formatter.run declares Exception; its failures are I/O on the log dir in practice.
            throw new IOException(
                    "formatting KRaft storage in " + logDir + " failed: " + e.getMessage() + "\n"
                            + out.toString(StandardCharsets.UTF_8),
                    e);
        }
    }

    @Override
    public String toString() {
        return "KraftBrokerConfig[" + bootstrapServers() + ", controller " + controllerPort + ", " + logDir + "]";
    }
}
