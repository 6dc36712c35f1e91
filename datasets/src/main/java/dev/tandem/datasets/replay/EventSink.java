package dev.tandem.datasets.replay;

import dev.tandem.schemas.UserEvent;
import java.util.function.BiConsumer;

/**
 * Where replayed events go. The Kafka implementation sends asynchronously; {@link #flush}
 * waits for every send and fails if any of them failed.
 */
public interface EventSink extends AutoCloseable {
    void send(String key, UserEvent event);

    void flush();

    @Override
    void close();

    /**
     * A sink over a producer someone else owns (a Kafka producer shared by several topics, say): closing the
     * sink leaves it open.
     */
    static EventSink of(BiConsumer<String, UserEvent> send, Runnable flush) {
        return new EventSink() {
            @Override
            public void send(String key, UserEvent event) {
                send.accept(key, event);
            }

            @Override
            public void flush() {
                flush.run();
            }

            @Override
            public void close() {}
        };
    }
}
