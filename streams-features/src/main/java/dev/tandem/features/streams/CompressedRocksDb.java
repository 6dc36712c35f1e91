package dev.tandem.features.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;

/**
 * The features app's RocksDB stores with LZ4-compressed files. Kafka Streams opens its stores with
 * {@code NO_COMPRESSION}; a user's sequence (ids as strings, repeated categories) is the store's bulk and compresses,
 * and disk per user is what sizing at millions of users scales with. LZ4 costs little CPU and runs in RocksDB's
 * flush and compaction threads, not the stream thread. {@code streams.rocksdb.config.setter} replaces it.
 */
public final class CompressedRocksDb implements RocksDBConfigSetter {
    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setCompressionType(CompressionType.LZ4_COMPRESSION);
    }

    @Override
    public void close(String storeName, Options options) {}
}
