package dev.tandem.schemas.topics;

import java.util.Map;

/** A topic as the platform wants it: name, partitions and topic-level configs (e.g. compaction). */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    public TopicSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("topic name must not be blank");
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1 for topic " + name);
        configs = Map.copyOf(configs);
    }

    public boolean compacted() {
        return "compact".equals(configs.get("cleanup.policy"));
    }

    public TopicSpec withPartitions(int n) {
        return new TopicSpec(name, n, configs);
    }
}
