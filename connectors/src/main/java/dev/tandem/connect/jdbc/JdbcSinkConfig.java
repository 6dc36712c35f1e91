package dev.tandem.connect.jdbc;

import dev.tandem.connect.sink.ServingSinkConfig;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The JDBC sink's config: the shared serving keys ({@link ServingSinkConfig#common()}) plus where the tables live. The
 * same keys configure the read side ({@link JdbcRecommendationStore#open(Map)}), so the API and the sink cannot
 * disagree about a table name.
 */
public class JdbcSinkConfig extends ServingSinkConfig {
    public static final String CONNECTION_URL = "connection.url";
    public static final String CONNECTION_USER = "connection.user";
    public static final String CONNECTION_PASSWORD = "connection.password";
    public static final String TABLE_LATEST = "table.latest";
    public static final String TABLE_LOG = "table.log";
    public static final String TABLE_SCHEMA = "table.schema";
    public static final String BATCH_SIZE = "batch.size";
    public static final String SQLITE_BUSY_TIMEOUT_MS = "sqlite.busy.timeout.ms";

    /** Unquoted SQL identifiers only: they mean the same table in PostgreSQL, SQLite and psql, and cannot inject. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private static final String CONNECTION_GROUP = "Connection";
    private static final String TABLES_GROUP = "Tables";

    public static ConfigDef configDef() {
        return ServingSinkConfig.common()
                .define(
                        CONNECTION_URL,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        (name, value) -> checkUrl(name, (String) value),
                        Importance.HIGH,
                        "JDBC URL of the serving store: jdbc:postgresql://HOST:PORT/DATABASE (driver options as URL"
                                + " parameters) or jdbc:sqlite:/path/to/file.db (one task only; the file is put in"
                                + " WAL mode so the recommendations API reads while the sink writes).",
                        CONNECTION_GROUP,
                        1,
                        Width.LONG,
                        "JDBC URL")
                .define(
                        CONNECTION_USER,
                        Type.STRING,
                        null,
                        Importance.HIGH,
                        "Database user (PostgreSQL); empty for SQLite or when the URL carries it.",
                        CONNECTION_GROUP,
                        2,
                        Width.MEDIUM,
                        "User")
                .define(
                        CONNECTION_PASSWORD,
                        Type.PASSWORD,
                        null,
                        Importance.HIGH,
                        "Database password (PostgreSQL). Masked in logs and in the worker's REST answers.",
                        CONNECTION_GROUP,
                        3,
                        Width.MEDIUM,
                        "Password")
                .define(
                        SQLITE_BUSY_TIMEOUT_MS,
                        Type.INT,
                        5_000,
                        ConfigDef.Range.atLeast(0),
                        Importance.LOW,
                        "SQLite only: how long a write waits for a reader's or another writer's lock before the"
                                + " batch is retried (as a store outage).",
                        CONNECTION_GROUP,
                        4,
                        Width.SHORT,
                        "SQLite busy timeout")
                .define(
                        TABLE_LATEST,
                        Type.STRING,
                        "predictions_latest",
                        (name, value) -> checkIdentifier(name, (String) value, false),
                        Importance.MEDIUM,
                        "Table holding each user's newest prediction (one row per user_id), created if missing.",
                        TABLES_GROUP,
                        1,
                        Width.MEDIUM,
                        "Latest table")
                .define(
                        TABLE_LOG,
                        Type.STRING,
                        "",
                        (name, value) -> checkIdentifier(name, (String) value, true),
                        Importance.MEDIUM,
                        "Append-only table of every prediction (one row per request_id), created if missing;"
                                + " empty keeps no log. E.g. predictions_log.",
                        TABLES_GROUP,
                        2,
                        Width.MEDIUM,
                        "Log table")
                .define(
                        TABLE_SCHEMA,
                        Type.STRING,
                        "",
                        (name, value) -> checkIdentifier(name, (String) value, true),
                        Importance.LOW,
                        "PostgreSQL only: the schema the tables live in (it must exist); empty uses the search"
                                + " path (usually public).",
                        TABLES_GROUP,
                        3,
                        Width.MEDIUM,
                        "Schema")
                .define(
                        BATCH_SIZE,
                        Type.INT,
                        500,
                        ConfigDef.Range.between(1, 100_000),
                        Importance.LOW,
                        "Most statements sent to the store in one JDBC batch. Whatever the size, all records of"
                                + " one put() are committed in one transaction.",
                        TABLES_GROUP,
                        4,
                        Width.SHORT,
                        "Batch size");
    }

    private final Dialect dialect;

    public JdbcSinkConfig(Map<?, ?> originals) {
        super(configDef(), originals);
        dialect = Dialect.of(getString(CONNECTION_URL));
        Problem problem = crossCheck(dialect, getString(TABLE_SCHEMA), tableLatest(), tableLog());
        if (problem != null) throw new ConfigException(problem.message());
    }

    /**
     * Checks between keys that single-key validators cannot see; null when consistent. Shared with the connector's
     * {@code validate()} so the worker's REST answer shows the same words as a failed start.
     */
    static Problem crossCheck(Dialect dialect, String schema, String latest, String log) {
        if (dialect == Dialect.SQLITE && schema != null && !schema.isEmpty()) {
            return new Problem(
                    TABLE_SCHEMA, TABLE_SCHEMA + " is for PostgreSQL; a SQLite file has no schemas (leave it empty)");
        }
        if (log != null && log.equalsIgnoreCase(latest)) {
            return new Problem(TABLE_LOG, TABLE_LOG + " and " + TABLE_LATEST + " name the same table '" + latest + "'");
        }
        return null;
    }

    /** A contradiction between keys, reported on {@code key}. */
    record Problem(String key, String message) {}

    public Dialect dialect() {
        return dialect;
    }

    public String url() {
        return getString(CONNECTION_URL);
    }

    public String user() {
        String u = getString(CONNECTION_USER);
        return u == null || u.isEmpty() ? null : u;
    }

    public String password() {
        Password p = getPassword(CONNECTION_PASSWORD);
        return p == null || p.value().isEmpty() ? null : p.value();
    }

    public String schema() {
        return getString(TABLE_SCHEMA);
    }

    public String tableLatest() {
        return getString(TABLE_LATEST);
    }

    /** The log table's name, or null when no log is kept. */
    public String tableLog() {
        String t = getString(TABLE_LOG);
        return t == null || t.isEmpty() ? null : t;
    }

    public int batchSize() {
        return getInt(BATCH_SIZE);
    }

    public int sqliteBusyTimeoutMs() {
        return getInt(SQLITE_BUSY_TIMEOUT_MS);
    }

    public PredictionTables tables() {
        return new PredictionTables(dialect, schema(), tableLatest(), tableLog());
    }

    public JdbcConnections connections() {
        return new JdbcConnections(dialect, url(), user(), password(), sqliteBusyTimeoutMs());
    }

    private static void checkUrl(String name, String url) {
        // the message shows only the scheme: a full URL may carry a password
        if (url == null || url.isBlank()) throw new ConfigException(name + " is required");
        String lower = url.trim().toLowerCase(Locale.ROOT);
        if (!lower.startsWith(Dialect.POSTGRESQL.prefix()) && !lower.startsWith(Dialect.SQLITE.prefix())) {
            int second = url.indexOf(':', url.indexOf(':') + 1);
            String scheme = second > 0 ? url.substring(0, second + 1) : "(no jdbc:...: scheme)";
            throw new ConfigException(name + " must start with jdbc:postgresql: or jdbc:sqlite:, not " + scheme);
        }
        if (lower.startsWith(Dialect.SQLITE.prefix())) {
            String path = JdbcConnections.sqliteFile(url);
            if (path.isEmpty() || path.equals(":memory:") || lower.contains("mode=memory")) {
                throw new ConfigException(name + " must name a SQLite file: an in-memory database vanishes with"
                        + " the connection and the recommendations API could never read it");
            }
        }
        // the driver's rewrite turns the batch into one multi-row INSERT: a user twice in it fails ON CONFLICT DO
        // UPDATE, and its update counts (SUCCESS_NO_INFO) no longer say which rows were stale
        if (lower.matches(".*[?&]rewritebatchedinserts=true.*")) {
            throw new ConfigException(
                    name + ": reWriteBatchedInserts=true breaks the newest-wins upsert; remove it from the URL");
        }
    }

    private static void checkIdentifier(String name, String value, boolean emptyAllowed) {
        if (value == null || value.isEmpty()) {
            if (emptyAllowed) return;
            throw new ConfigException(name + " must name a table");
        }
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new ConfigException(
                    name,
                    value,
                    "expected an unquoted SQL identifier: letters, digits and _,"
                            + " not starting with a digit, at most 63 characters");
        }
    }
}
