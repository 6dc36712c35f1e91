package dev.tandem.bench.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * What a closed app's RocksDB store holds, three ways: its files as the app left them (what a disk holds at that
 * moment), the same after a full compaction (what it holds once obsolete versions are dropped), and the bytes of the
 * newest key and value of every entry (the state itself). The three differ because Kafka Streams opens its stores
 * with universal compaction, which lets a store grow to 3× its live data before it compacts everything
 * ({@code max_size_amplification_percent} 200, RocksDB's default), and an overwrite-heavy store (a user's sequence is
 * rewritten at every event) sits anywhere in that range when a run ends.
 *
 * <p>Measured on a copy of each store directory, so the app's own state is never changed; the copy is opened with
 * Streams' settings (universal compaction, no compression) and then the app's {@code rocksdb.config.setter}, if it
 * has one (the features app's {@code CompactStoreConfig}), so the compacted files are those the app would write.
 *
 * @param asLeftBytes every file of the store directories, as the app left them
 * @param compactedBytes the same after {@code compactRange} over each store, the info logs excluded
 * @param liveBytes Σ key bytes + value bytes of every entry
 * @param entries the entries (users, for {@code user-sequences})
 */
public record StoreFootprint(long asLeftBytes, long compactedBytes, long liveBytes, long entries) {

    /** Every {@code rocksdb/<store>} directory under {@code stateDir} (one per task), with Streams' plain settings. */
    public static StoreFootprint of(Path stateDir, String store) {
        return of(stateDir, store, Map.of());
    }

    /** As {@link #of(Path, String)}, the copies opened as an app with these Streams settings opens its stores. */
    public static StoreFootprint of(Path stateDir, String store, Map<String, Object> streamsConfig) {
        RocksDB.loadLibrary();
        String marker = "rocksdb" + java.io.File.separator + store;
        long asLeft = 0, compacted = 0, live = 0, entries = 0;
        for (Path dir : storeDirs(stateDir, marker)) {
            asLeft += bytes(dir, false);
            Path copy = copy(dir);
            try {
                try (Options options = new Options()
                                .setCreateIfMissing(false)
                                .setCompactionStyle(CompactionStyle.UNIVERSAL)
                                .setCompressionType(CompressionType.NO_COMPRESSION)
                                .setInfoLogLevel(InfoLogLevel.HEADER_LEVEL);
                        AppSettings app = AppSettings.apply(store, options, streamsConfig);
                        RocksDB db = RocksDB.open(options, copy.toString())) {
                    try (RocksIterator it = db.newIterator()) {
                        for (it.seekToFirst(); it.isValid(); it.next()) {
                            live += it.key().length + it.value().length;
                            entries++;
                        }
                    }
                    db.compactRange();
                } catch (RocksDBException e) {
                    throw new IllegalStateException("cannot measure the store at " + dir + ": " + e.getMessage(), e);
                }
                compacted += bytes(copy, true);
            } finally {
                delete(copy);
            }
        }
        return new StoreFootprint(asLeft, compacted, live, entries);
    }

    /** The app's config setter applied to {@code options}, closed (its native objects freed) after the store. */
    private record AppSettings(RocksDBConfigSetter setter, String store, Options options) implements AutoCloseable {
        static AppSettings apply(String store, Options options, Map<String, Object> streamsConfig) {
            Object name = streamsConfig.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG);
            if (name == null) return new AppSettings(null, store, options);
            RocksDBConfigSetter setter;
            try {
                setter = name instanceof Class<?> c
                        ? (RocksDBConfigSetter) Utils.newInstance(c)
                        : Utils.newInstance(name.toString(), RocksDBConfigSetter.class);
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("no config setter class " + name, e);
            }
            setter.setConfig(store, options, streamsConfig);
            return new AppSettings(setter, store, options);
        }

        @Override
        public void close() {
            if (setter != null) setter.close(store, options);
        }
    }

    private static List<Path> storeDirs(Path stateDir, String marker) {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(Files::isDirectory)
                    .filter(d -> d.toString().endsWith(marker))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long bytes(Path dir, boolean withoutInfoLogs) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !withoutInfoLogs || !f.getFileName().toString().startsWith("LOG"))
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copy(Path dir) {
        try {
            Path target = Files.createTempDirectory("tandem-store-footprint-");
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    // the lock file would make the copy look open by another process
                    if (f.getFileName().toString().equals("LOCK")) continue;
                    Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
