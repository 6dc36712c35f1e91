package dev.tandem.features.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.FeaturesConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class CompactStoreConfigTest {

    @Test
    void theFeaturesAppOpensItsStoresThroughIt() {
        assertThat(FeaturesConfig.defaults().streamsProperties())
                .containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, CompactStoreConfig.class.getName());
    }

    @Test
    void compactsAtTwoRunsAndBoundsSpaceAmplificationKeepingUniversalCompaction() {
        RocksDB.loadLibrary();
        CompactStoreConfig setter = new CompactStoreConfig();
        try (Options options = new Options().setCompactionStyle(CompactionStyle.UNIVERSAL)) {
            setter.setConfig("user-sequences", options, Map.of());
            assertThat(options.compressionType()).isEqualTo(CompressionType.NO_COMPRESSION);
            assertThat(options.compactionStyle()).isEqualTo(CompactionStyle.UNIVERSAL);
            assertThat(options.level0FileNumCompactionTrigger()).isEqualTo(2);
            assertThat(options.compactionOptionsUniversal().maxSizeAmplificationPercent())
                    .isEqualTo(CompactStoreConfig.DEFAULT_MAX_SIZE_AMPLIFICATION);
            setter.close("user-sequences", options);
        }
        try (Options options = new Options().setCompactionStyle(CompactionStyle.UNIVERSAL)) {
            setter.setConfig(
                    "user-sequences",
                    options,
                    Map.of(CompactStoreConfig.COMPRESSION, "ZSTD", CompactStoreConfig.MAX_SIZE_AMPLIFICATION, "25"));
            assertThat(options.compressionType()).isEqualTo(CompressionType.ZSTD_COMPRESSION);
            assertThat(options.compactionOptionsUniversal().maxSizeAmplificationPercent())
                    .isEqualTo(25);
            setter.close("user-sequences", options);
        }
    }

    @Test
    void aBadSettingNamesItsKey() {
        assertThatThrownBy(() -> CompactStoreConfig.compression("snappy"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(CompactStoreConfig.COMPRESSION);
        assertThatThrownBy(() -> CompactStoreConfig.maxSizeAmplification("0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(CompactStoreConfig.MAX_SIZE_AMPLIFICATION);
        assertThatThrownBy(() -> CompactStoreConfig.maxSizeAmplification("half"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(CompactStoreConfig.MAX_SIZE_AMPLIFICATION);
    }
}
