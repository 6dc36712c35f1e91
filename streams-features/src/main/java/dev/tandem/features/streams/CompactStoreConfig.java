package dev.tandem.features.streams;

import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.CompactionOptionsUniversal;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;

/**
 * Keeps the features stores small on disk. Kafka Streams opens every RocksDB store with universal compaction, which
 * compacts only once four sorted runs exist ({@code level0_file_num_compaction_trigger}) and then lets the store reach
 * 3× its live data ({@code max_size_amplification_percent} 200). Streams also flushes the memtable at each checkpoint
 * (every 10,000 records per task under exactly-once), so for a store whose every entry is rewritten often (a user's
 * sequence, at each of the user's events) each flush is a near-copy of the whole store: {@code tandem bench scale}
 * found three such runs side by side, 1,574 B on disk per user for 723 B of live entries. This setter compacts as soon
 * as two runs exist and bounds the store at {@code 1 + percent/100} times its live data.
 *
 * <p>It stays on universal compaction, so a store written by an earlier version (or without this setter) opens as is;
 * moving an existing store to level compaction would need a full compaction first. No compression by default, as
 * Streams: sequences of item ids hardly compress (lz4 left the compacted store at 742 B per user for 743).
 *
 * <p>Settings, under the app's {@code streams.} prefix: {@value #MAX_SIZE_AMPLIFICATION} (default 50; RocksDB's own
 * default is 200; lower holds less disk for more compaction writes) and {@value #COMPRESSION} ({@code none}, the
 * default; {@code lz4}; {@code zstd}).
 */
public final class CompactStoreConfig implements RocksDBConfigSetter {
    public static final String COMPRESSION = "tandem.store.compression";
    public static final String MAX_SIZE_AMPLIFICATION = "tandem.store.max.size.amplification.percent";
    public static final int DEFAULT_MAX_SIZE_AMPLIFICATION = 50;

    // Streams creates one setter per store (by reflection) and calls close with that store, so one field holds the
    // native options object this setter must free.
    private CompactionOptionsUniversal universal;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setCompressionType(compression(configs.get(COMPRESSION)));
        options.setLevel0FileNumCompactionTrigger(2);
        close(storeName, options);
        universal = new CompactionOptionsUniversal();
        universal.setMaxSizeAmplificationPercent(maxSizeAmplification(configs.get(MAX_SIZE_AMPLIFICATION)));
        options.setCompactionOptionsUniversal(universal);
    }

    @Override
    public void close(String storeName, Options options) {
        if (universal != null) universal.close();
        universal = null;
    }

    static CompressionType compression(Object value) {
        String v = value == null ? "none" : value.toString().trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "lz4" -> CompressionType.LZ4_COMPRESSION;
            case "zstd" -> CompressionType.ZSTD_COMPRESSION;
            case "none" -> CompressionType.NO_COMPRESSION;
            default -> throw new ConfigException(COMPRESSION, value, "must be lz4, zstd or none");
        };
    }

    static int maxSizeAmplification(Object value) {
        if (value == null) return DEFAULT_MAX_SIZE_AMPLIFICATION;
        try {
            int percent = Integer.parseInt(value.toString().trim());
            if (percent >= 1) return percent;
        } catch (NumberFormatException e) {
            // reported below with the key's name
        }
        throw new ConfigException(MAX_SIZE_AMPLIFICATION, value, "must be a whole number of percent, at least 1");
    }
}
