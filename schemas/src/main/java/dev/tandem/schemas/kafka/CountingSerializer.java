package dev.tandem.schemas.kafka;

import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Counts the bytes a serializer produces (bytes per event for the bench). The producer calls
 * serializers on the sending thread, so the counter is a plain field read by that thread.
 */
public final class CountingSerializer<T> implements Serializer<T> {
    private final Serializer<T> delegate;
    private long bytes;
    private long records;

    public CountingSerializer(Serializer<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        delegate.configure(configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return count(delegate.serialize(topic, data));
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        return count(delegate.serialize(topic, headers, data));
    }

    private byte[] count(byte[] b) {
        if (b != null) {
            bytes += b.length;
            records++;
        }
        return b;
    }

    public long bytes() {
        return bytes;
    }

    public long records() {
        return records;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
