package dev.tandem.datasets.replay;

import dev.tandem.schemas.UserEvent;

/**
 * Where replayed events go. The Kafka implementation sends asynchronously; {@link #flush}
 * waits for every send and fails if any of them failed.
 */
public interface EventSink extends AutoCloseable {
    void send(String key, UserEvent event);

    void flush();

    @Override
    void close();
}
