package dev.tandem.schemas.registry.server;

import dev.tandem.schemas.registry.CompatibilityLevel;
import java.util.Objects;

/**
 * One change to the registry's state, as it is persisted. The registry is the fold of these in
 * write order, which is what lets {@link KafkaSchemaStore} rebuild it from a compacted topic.
 */
public sealed interface StoreRecord {

    /** A version of a subject; {@code deleted} marks a soft delete (the id stays resolvable). */
    record SchemaEntry(String subject, int version, int id, String schema, boolean deleted) implements StoreRecord {
        public SchemaEntry {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(schema, "schema");
            if (version < 1) throw new IllegalArgumentException("version must be >= 1: " + version);
            if (id < 1) throw new IllegalArgumentException("id must be >= 1: " + id);
        }

        SchemaEntry asDeleted() {
            return new SchemaEntry(subject, version, id, schema, true);
        }
    }

    /** A compatibility level; {@code subject == null} is the global level. */
    record ConfigEntry(String subject, CompatibilityLevel level) implements StoreRecord {
        public ConfigEntry {
            Objects.requireNonNull(level, "level");
        }
    }
}
