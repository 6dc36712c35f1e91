package dev.tandem.bench.scoring;

import java.util.Map;

/** A bench scoring job's state backend, as the {@code flink.*} settings that choose it. */
public enum StateBackend {
    /** Keyed state on the heap; every checkpoint writes all of it. */
    hashmap,
    /** Keyed state in RocksDB on local disk; checkpoints upload only the files written since the last one. */
    rocksdb;

    public Map<String, String> flinkSettings() {
        return this == rocksdb
                ? Map.of("flink.state.backend.type", "rocksdb", "flink.execution.checkpointing.incremental", "true")
                : Map.of("flink.state.backend.type", "hashmap");
    }
}
