package dev.tandem.bench.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class StoreFootprintTest {
    @TempDir
    Path stateDir;

    /** Writes every key once per round and flushes each round to its own file, as an overwrite-heavy store does. */
    private void fill(Path dir, int keys, int rounds, int valueBytes) throws Exception {
        Files.createDirectories(dir);
        RocksDB.loadLibrary();
        try (Options o = new Options()
                        .setCreateIfMissing(true)
                        .setCompactionStyle(CompactionStyle.UNIVERSAL)
                        .setCompressionType(CompressionType.NO_COMPRESSION)
                        .setDisableAutoCompactions(true);
                RocksDB db = RocksDB.open(o, dir.toString());
                FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < keys; k++) {
                    byte[] value = new byte[valueBytes];
                    value[0] = (byte) r;
                    db.put(("user-" + k).getBytes(StandardCharsets.UTF_8), value);
                }
                db.flush(flush);
            }
        }
    }

    @Test
    void obsoleteVersionsCountAsLeftAndNotOnceCompactedAndTheLiveBytesAreTheNewestEntries() throws Exception {
        fill(stateDir.resolve("app/0_0/rocksdb/user-sequences"), 500, 3, 1_000);
        fill(stateDir.resolve("app/0_1/rocksdb/user-sequences"), 300, 1, 1_000);
        fill(stateDir.resolve("app/0_1/rocksdb/other-store"), 300, 3, 1_000);

        StoreFootprint f = StoreFootprint.of(stateDir, "user-sequences");

        long keyBytes = 10 * "user-0".length() + 90 * "user-00".length() + 400 * "user-000".length();
        keyBytes += 10 * "user-0".length() + 90 * "user-00".length() + 200 * "user-000".length();
        assertThat(f.entries()).isEqualTo(800);
        assertThat(f.liveBytes()).isEqualTo(keyBytes + 800 * 1_000L);
        assertThat(f.compactedBytes())
                .as("one version of each entry, plus the files' own overhead")
                .isBetween(f.liveBytes(), f.liveBytes() * 12 / 10);
        assertThat(f.asLeftBytes())
                .as("task 0_0 holds three versions of each of its 500 entries")
                .isGreaterThan(f.liveBytes() * 2);
        assertThat(Files.exists(stateDir.resolve("app/0_0/rocksdb/user-sequences")))
                .isTrue();
        assertThat(StoreFootprint.of(stateDir, "user-sequences").asLeftBytes())
                .as("measured on a copy: the store itself is untouched")
                .isEqualTo(f.asLeftBytes());
    }
}
