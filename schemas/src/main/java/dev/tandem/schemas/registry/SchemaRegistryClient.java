package dev.tandem.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The operations of Confluent's Schema Registry REST API that Tandem needs. Every failure is a
 * {@link SchemaRegistryException} carrying the HTTP status and Confluent error code.
 * Implementations are thread-safe. They do not cache: the serdes keep their own caches.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} and returns its global id; idempotent. */
    int register(String subject, Schema schema);

    /** The schema with this global id (40403 if none). */
    Schema getSchemaById(int id);

    /** The newest live version of the subject (40401 if none). */
    SchemaVersion getLatestVersion(String subject);

    /** One version of the subject (40401 / 40402). */
    SchemaVersion getVersion(String subject, int version);

    /** The live version numbers of the subject, ascending (40401 if none). */
    List<Integer> getAllVersions(String subject);

    /** Finds {@code schema} among the subject's versions (40401 subject / 40403 schema not found). */
    SchemaVersion lookup(String subject, Schema schema);

    /** The global id of {@code schema} in {@code subject}; same errors as {@link #lookup}. */
    default int getId(String subject, Schema schema) {
        return lookup(subject, schema).id();
    }

    /** Whether {@code schema} could be registered next under {@code subject}, and why not. */
    CompatibilityResult testCompatibility(String subject, Schema schema);

    /** Live subjects, sorted. */
    List<String> listSubjects();

    /** The subject's level, falling back to the global level; {@code null} subject means global. */
    CompatibilityLevel getCompatibility(String subject);

    /** Sets the subject's level; {@code null} subject sets the global level. */
    void setCompatibility(String subject, CompatibilityLevel level);

    default CompatibilityLevel getGlobalCompatibility() {
        return getCompatibility(null);
    }

    default void setGlobalCompatibility(CompatibilityLevel level) {
        setCompatibility(null, level);
    }

    /** Soft-deletes every version of the subject (ids stay resolvable); returns the versions deleted. */
    List<Integer> deleteSubject(String subject);

    @Override
    default void close() {}
}
