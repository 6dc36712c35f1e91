package dev.tandem.testkit;

/** A running single-node Kafka cluster, in this JVM or in a child process. */
public interface KafkaBroker extends AutoCloseable {

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    String bootstrapServers();

    /** The PLAINTEXT port clients connect to. */
    int port();

    /** Stops the broker and waits until it is gone; idempotent. */
    @Override
    void close();
}
