package dev.tandem.testkit;

/** A running single-node Kafka cluster, in this JVM or in a child process. */
public interface KafkaBroker extends AutoCloseable {

    /** The node's configuration: its ports, log dir and server properties. */
    KraftBrokerConfig config();

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    default String bootstrapServers() {
        return config().bootstrapServers();
    }

    /** The PLAINTEXT port clients connect to. */
    default int port() {
        return config().brokerPort();
    }

    /** Stops the broker and waits until it is gone; idempotent. */
    @Override
    void close();
}
