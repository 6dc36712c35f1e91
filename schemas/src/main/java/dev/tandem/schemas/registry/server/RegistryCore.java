package dev.tandem.schemas.registry.server;

import dev.tandem.schemas.registry.CompatibilityLevel;
import dev.tandem.schemas.registry.CompatibilityResult;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.registry.SchemaVersion;
import dev.tandem.schemas.registry.server.StoreRecord.ConfigEntry;
import dev.tandem.schemas.registry.server.StoreRecord.SchemaEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The registry's rules, free of HTTP: Confluent's semantics for ids, versions, compatibility and
 * soft deletes. The HTTP server and the {@code mock://} client both delegate here, so the tests
 * that use the mock see exactly the behaviour of the server.
 *
 * <p>Ids are global: the same schema text gets the same id in every subject. Two schemas are the
 * same when their normalised JSON ({@link Schema#toString()}) is equal, which keeps docs and
 * defaults significant (Parsing Canonical Form would merge schemas that differ in defaults).
 *
 * <p>Every method is synchronized: registries are read rarely (clients cache) and a single lock
 * makes "append to the store, then apply" atomic.
 */
public final class RegistryCore {
    private final SchemaStore store;
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<Integer, String> canonicalById = new HashMap<>();
    private final Map<String, TreeMap<Integer, SchemaEntry>> subjects = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.DEFAULT;
    private int maxId;

    public RegistryCore(SchemaStore store) {
        this.store = Objects.requireNonNull(store, "store");
        for (StoreRecord record : store.load()) {
            apply(record);
        }
    }

    public SchemaStore store() {
        return store;
    }

    /** Parses schema text the way a registration does; bad text is a 42201. */
    public static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw SchemaRegistryException.invalidSchema("empty schema");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (RuntimeException e) {
            // SchemaParseException, AvroTypeException for bad defaults, Jackson's errors for bad JSON.
            throw SchemaRegistryException.invalidSchema(e.getMessage());
        }
    }

    public synchronized int register(String subject, Schema schema) {
        requireSubject(subject);
        String canonical = schema.toString();
        NavigableMap<Integer, SchemaEntry> versions = subjects.getOrDefault(subject, new TreeMap<>());
        for (SchemaEntry e : versions.values()) {
            if (!e.deleted() && canonical.equals(canonicalOf(e.id()))) {
                return e.id();
            }
        }
        CompatibilityResult result = check(subject, schema, liveVersions(subject), levelOf(subject));
        if (!result.compatible()) {
            throw new SchemaRegistryException(
                    409,
                    SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\", details: " + result.messages());
        }
        Integer existing = idsByCanonical.get(canonical);
        int id = existing != null ? existing : maxId + 1;
        int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        persist(new SchemaEntry(subject, version, id, canonical, false));
        return id;
    }

    public synchronized Schema schemaById(int id) {
        Schema s = schemasById.get(id);
        if (s == null) throw SchemaRegistryException.schemaNotFound("id " + id);
        return s;
    }

    public synchronized List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        for (SchemaEntry e : liveVersions(subject)) out.add(e.version());
        if (out.isEmpty()) throw SchemaRegistryException.subjectNotFound(subject);
        return out;
    }

    public synchronized SchemaVersion latest(String subject) {
        List<SchemaEntry> live = liveVersions(subject);
        if (live.isEmpty()) throw SchemaRegistryException.subjectNotFound(subject);
        return toVersion(live.get(live.size() - 1));
    }

    public synchronized SchemaVersion version(String subject, int version) {
        List<SchemaEntry> live = liveVersions(subject);
        if (live.isEmpty()) throw SchemaRegistryException.subjectNotFound(subject);
        if (version < 1) throw SchemaRegistryException.invalidVersion(String.valueOf(version));
        SchemaEntry e = subjects.get(subject).get(version);
        if (e == null || e.deleted()) throw SchemaRegistryException.versionNotFound(subject, version);
        return toVersion(e);
    }

    /** {@code versionSpec}: "latest", "-1" (Confluent's alias for latest) or a version number. */
    public synchronized SchemaVersion version(String subject, String versionSpec) {
        if ("latest".equals(versionSpec) || "-1".equals(versionSpec)) return latest(subject);
        return version(subject, parseVersion(versionSpec));
    }

    public synchronized SchemaVersion lookup(String subject, Schema schema) {
        List<SchemaEntry> live = liveVersions(subject);
        if (live.isEmpty()) throw SchemaRegistryException.subjectNotFound(subject);
        String canonical = schema.toString();
        for (SchemaEntry e : live) {
            if (canonical.equals(canonicalOf(e.id()))) return toVersion(e);
        }
        throw SchemaRegistryException.schemaNotFound("not registered under subject '" + subject + "'");
    }

    /**
     * Whether {@code schema} may follow the subject's versions. {@code versionSpec} "latest" (or
     * null) applies the subject's level the way a registration would; a number checks against that
     * version alone.
     */
    public synchronized CompatibilityResult testCompatibility(String subject, Schema schema, String versionSpec) {
        CompatibilityLevel level = levelOf(subject);
        List<SchemaEntry> live = liveVersions(subject);
        if (versionSpec == null || "latest".equals(versionSpec) || "-1".equals(versionSpec)) {
            return check(subject, schema, live, level);
        }
        int v = parseVersion(versionSpec);
        if (live.isEmpty()) throw SchemaRegistryException.subjectNotFound(subject);
        SchemaEntry e = subjects.get(subject).get(v);
        if (e == null || e.deleted()) throw SchemaRegistryException.versionNotFound(subject, v);
        return check(subject, schema, List.of(e), level);
    }

    /** Against every live version, whatever the level's transitivity (Confluent's {@code /versions}). */
    public synchronized CompatibilityResult testCompatibilityAll(String subject, Schema schema) {
        CompatibilityLevel level = levelOf(subject);
        List<SchemaEntry> live = liveVersions(subject);
        return checkAgainst(schema, live, level);
    }

    public synchronized List<String> subjects() {
        TreeSet<String> out = new TreeSet<>();
        subjects.forEach((s, versions) -> {
            if (versions.values().stream().anyMatch(e -> !e.deleted())) out.add(s);
        });
        return List.copyOf(out);
    }

    /** {@code subject == null}: the global level. Without a subject level: global, or 40408 if {@code !defaultToGlobal}. */
    public synchronized CompatibilityLevel compatibility(String subject, boolean defaultToGlobal) {
        if (subject == null) return globalLevel;
        CompatibilityLevel l = subjectLevels.get(subject);
        if (l != null) return l;
        if (defaultToGlobal) return globalLevel;
        throw new SchemaRegistryException(
                404,
                SchemaRegistryException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
        Objects.requireNonNull(level, "level");
        if (subject != null) requireSubject(subject);
        persist(new ConfigEntry(subject, level));
    }

    /** Soft delete: the versions leave the subject, their ids stay resolvable, version numbers are not reused. */
    public synchronized List<Integer> deleteSubject(String subject) {
        List<SchemaEntry> live = liveVersions(subject);
        if (live.isEmpty()) throw SchemaRegistryException.subjectNotFound(subject);
        List<Integer> deleted = new ArrayList<>();
        for (SchemaEntry e : live) {
            persist(e.asDeleted());
            deleted.add(e.version());
        }
        return deleted;
    }

    // ---------------------------------------------------------------------------------------

    private void persist(StoreRecord record) {
        try {
            store.append(record);
        } catch (RuntimeException e) {
            throw new SchemaRegistryException(
                    500,
                    SchemaRegistryException.INTERNAL_SERVER_ERROR,
                    "Error in the backend data store: " + e.getMessage(),
                    e);
        }
        apply(record);
    }

    private void apply(StoreRecord record) {
        if (record instanceof SchemaEntry e) {
            if (!schemasById.containsKey(e.id())) {
                Schema parsed = new Schema.Parser().parse(e.schema());
                String canonical = parsed.toString();
                schemasById.put(e.id(), parsed);
                canonicalById.put(e.id(), canonical);
                idsByCanonical.putIfAbsent(canonical, e.id());
            }
            maxId = Math.max(maxId, e.id());
            subjects.computeIfAbsent(e.subject(), s -> new TreeMap<>()).put(e.version(), e);
        } else if (record instanceof ConfigEntry c) {
            if (c.subject() == null) globalLevel = c.level();
            else subjectLevels.put(c.subject(), c.level());
        }
    }

    private String canonicalOf(int id) {
        return canonicalById.get(id);
    }

    private List<SchemaEntry> liveVersions(String subject) {
        TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
        if (versions == null) return List.of();
        List<SchemaEntry> out = new ArrayList<>(versions.size());
        for (SchemaEntry e : versions.values()) if (!e.deleted()) out.add(e);
        return out;
    }

    private CompatibilityLevel levelOf(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private CompatibilityResult check(String subject, Schema schema, List<SchemaEntry> live, CompatibilityLevel level) {
        if (live.isEmpty()) return CompatibilityResult.ok();
        List<SchemaEntry> against = level.transitive() ? live : List.of(live.get(live.size() - 1));
        return checkAgainst(schema, against, level);
    }

    private CompatibilityResult checkAgainst(Schema schema, List<SchemaEntry> against, CompatibilityLevel level) {
        List<String> messages = new ArrayList<>();
        for (SchemaEntry old : against) {
            Schema oldSchema = schemasById.get(old.id());
            if (level.checksBackward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(schema, oldSchema),
                        "BACKWARD: the new schema cannot read data written with version " + old.version(),
                        messages);
            }
            if (level.checksForward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(oldSchema, schema),
                        "FORWARD: version " + old.version() + " cannot read data written with the new schema",
                        messages);
            }
        }
        return new CompatibilityResult(messages.isEmpty(), messages);
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, String direction, List<String> out) {
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) return;
        for (Incompatibility i : pair.getResult().getIncompatibilities()) {
            out.add(direction + ": " + i.getType() + " at '" + i.getLocation() + "': " + i.getMessage());
        }
    }

    private SchemaVersion toVersion(SchemaEntry e) {
        return new SchemaVersion(e.subject(), e.id(), e.version(), schemasById.get(e.id()));
    }

    private static int parseVersion(String spec) {
        try {
            int v = Integer.parseInt(spec);
            if (v < 1) throw SchemaRegistryException.invalidVersion(spec);
            return v;
        } catch (NumberFormatException e) {
            throw SchemaRegistryException.invalidVersion(spec);
        }
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new SchemaRegistryException(422, 42208, "Invalid subject: '" + subject + "'");
        }
    }
}
