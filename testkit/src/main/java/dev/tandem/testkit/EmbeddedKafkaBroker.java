package dev.tandem.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KRaft broker+controller running inside this JVM, on 127.0.0.1. For tests (one per test
 * class) and the in-process variant of the dev cluster. Starts in about two seconds.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
 *     producerProps.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>With no data dir the broker lives in a temp dir that {@link #close()} deletes; with one, the
 * caller owns the dir and its data is kept (formatted on first use only).
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final KraftBrokerConfig config;
    private final KafkaRaftServer server;
    private final Path ownedTempDir;
    private boolean closed;

    private EmbeddedKafkaBroker(KraftBrokerConfig config, KafkaRaftServer server, Path ownedTempDir) {
        this.config = config;
        this.server = server;
        this.ownedTempDir = ownedTempDir;
    }

    /** A broker on a free port with a temporary log dir. */
    public static EmbeddedKafkaBroker start() {
        return builder().start();
    }

    /** A broker keeping its data in {@code dataDir} (not deleted on close), on {@code port} (0 = free). */
    public static EmbeddedKafkaBroker start(Path dataDir, int port) {
        return builder().dataDir(dataDir).port(port).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public KraftBrokerConfig config() {
        return config;
    }

    public Path logDir() {
        return config.logDir();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (ownedTempDir != null) FileTrees.deleteQuietly(ownedTempDir);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + "]";
    }

    /** Settings of an in-process broker; the shared ones (ports, broker properties, start timeout) are in {@link KafkaBrokerBuilder}. */
    public static final class Builder extends KafkaBrokerBuilder<Builder> {
        private Path dataDir;

        private Builder() {}

        /** The log dir; default: a new temp dir, deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Starts the broker and returns once it answers {@code describeCluster}. */
        @Override
        public EmbeddedKafkaBroker start() {
            requirePortsFree();
            Path temp = null;
            try {
                Path logDir = dataDir;
                if (logDir == null) {
                    temp = Files.createTempDirectory("tandem-kafka-");
                    logDir = temp;
                }
                KraftBrokerConfig config = formattedConfig(logDir);
                long t0 = System.nanoTime();
                KafkaRaftServer server =
                        new KafkaRaftServer(KafkaConfig.fromProps(config.toProperties(), false), Time.SYSTEM);
                EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(config, server, temp);
                try {
                    server.startup();
                    awaitReady(config, () -> true, () -> "");
                } catch (RuntimeException e) {
                    broker.close();
                    throw e;
                }
                LOG.info(
                        "Kafka broker ready at {} in {} ms (log dir {})",
                        config.bootstrapServers(),
                        (System.nanoTime() - t0) / 1_000_000,
                        config.logDir());
                return broker;
            } catch (IOException e) {
                if (temp != null) FileTrees.deleteQuietly(temp);
                throw new IllegalStateException("cannot prepare Kafka storage: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                if (temp != null) FileTrees.deleteQuietly(temp);
                throw e;
            }
        }
    }
}
