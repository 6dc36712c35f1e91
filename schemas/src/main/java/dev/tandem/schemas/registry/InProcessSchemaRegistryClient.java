package dev.tandem.schemas.registry;

import dev.tandem.schemas.registry.server.RegistryCore;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A client that calls a {@link RegistryCore} directly: the {@code mock://} registry, and a way
 * for a process that embeds the registry to skip HTTP. Same rules and error codes as the server.
 */
public final class InProcessSchemaRegistryClient implements SchemaRegistryClient {
    private final RegistryCore core;

    public InProcessSchemaRegistryClient(RegistryCore core) {
        this.core = Objects.requireNonNull(core, "core");
    }

    @Override
    public int register(String subject, Schema schema) {
        return core.register(subject, schema);
    }

    @Override
    public Schema getSchemaById(int id) {
        return core.schemaById(id);
    }

    @Override
    public SchemaVersion getLatestVersion(String subject) {
        return core.latest(subject);
    }

    @Override
    public SchemaVersion getVersion(String subject, int version) {
        return core.version(subject, version);
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        return core.versions(subject);
    }

    @Override
    public SchemaVersion lookup(String subject, Schema schema) {
        return core.lookup(subject, schema);
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        return core.testCompatibility(subject, schema, "latest");
    }

    @Override
    public List<String> listSubjects() {
        return core.subjects();
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        return core.compatibility(subject, true);
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        core.setCompatibility(subject, level);
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        return core.deleteSubject(subject);
    }
}
