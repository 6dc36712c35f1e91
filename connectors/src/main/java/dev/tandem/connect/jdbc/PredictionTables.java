package dev.tandem.connect.jdbc;

import dev.tandem.connect.serving.Recommendation;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of the serving tables, one text for PostgreSQL and SQLite but for the collation. Identifiers come validated
 * from {@link JdbcSinkConfig} (plain, unquoted), so they are pasted in, never bound.
 *
 * <p>{@code latest} keeps one row per user. Its upsert applies the {@link dev.tandem.connect.serving.Freshness} rule
 * inside the database, {@code (request_time, request_id)} compared as a row value, so concurrent tasks, retries and
 * replays converge on the same row whatever the arrival order, and the same prediction again changes nothing (its
 * update count is 0, which is how stale writes are counted). The ids compare in byte order: PostgreSQL's {@code "C"}
 * collation, SQLite's default {@code BINARY}, both what {@code Freshness} compares.
 */
public final class PredictionTables {
    /** The same order in both tables and in {@link #bind}. */
    static final String COLUMNS = "user_id, request_time, request_id, model_name, model_version, features_as_of,"
            + " scored_at, written_at, recommendation";

    /** Any constant both sides agree on: serializes concurrent tasks' CREATE TABLE IF NOT EXISTS. */
    private static final long DDL_LOCK_KEY = 0x74616e64656d4a44L;

    private final Dialect dialect;
    private final String latest;
    private final String log;

    public PredictionTables(Dialect dialect, String schema, String latest, String log) {
        this.dialect = dialect;
        String prefix = schema == null || schema.isEmpty() ? "" : schema + ".";
        this.latest = prefix + latest;
        this.log = log == null || log.isEmpty() ? null : prefix + log;
    }

    public String latest() {
        return latest;
    }

    /** The log table's qualified name, or null when there is none. */
    public String log() {
        return log;
    }

    private String text() {
        return dialect == Dialect.POSTGRESQL ? "TEXT COLLATE \"C\"" : "TEXT COLLATE BINARY";
    }

    /**
     * The statements that create whatever is missing, run in one transaction. On PostgreSQL a transaction-scoped
     * advisory lock comes first: two tasks racing on {@code CREATE TABLE IF NOT EXISTS} can otherwise both pass the
     * check and one fail on a duplicate catalog entry.
     */
    public List<String> createStatements() {
        List<String> ddl = new ArrayList<>();
        if (dialect == Dialect.POSTGRESQL) ddl.add("SELECT pg_advisory_xact_lock(" + DDL_LOCK_KEY + ")");
        ddl.add("CREATE TABLE IF NOT EXISTS " + latest + " (\n"
                + "  user_id " + text() + " PRIMARY KEY,\n"
                + "  request_time BIGINT NOT NULL,\n"
                + "  request_id " + text() + " NOT NULL,\n"
                + "  model_name TEXT NOT NULL,\n"
                + "  model_version TEXT NOT NULL,\n"
                + "  features_as_of BIGINT NULL,\n"
                + "  scored_at BIGINT NOT NULL,\n"
                + "  written_at BIGINT NOT NULL,\n"
                + "  recommendation TEXT NOT NULL)");
        if (log != null) {
            ddl.add("CREATE TABLE IF NOT EXISTS " + log + " (\n"
                    + "  request_id " + text() + " PRIMARY KEY,\n"
                    + "  user_id " + text() + " NOT NULL,\n"
                    + "  request_time BIGINT NOT NULL,\n"
                    + "  model_name TEXT NOT NULL,\n"
                    + "  model_version TEXT NOT NULL,\n"
                    + "  features_as_of BIGINT NULL,\n"
                    + "  scored_at BIGINT NOT NULL,\n"
                    + "  written_at BIGINT NOT NULL,\n"
                    + "  recommendation TEXT NOT NULL)");
            // a user's history is the log's natural question; an index name is per schema, not per table
            String bare = log.substring(log.indexOf('.') + 1);
            ddl.add("CREATE INDEX IF NOT EXISTS " + bare + "_user_time ON " + log + " (user_id, request_time)");
        }
        return ddl;
    }

    /** Newest wins, by row-value comparison (PostgreSQL; SQLite since 3.15). */
    public String upsertLatest() {
        return "INSERT INTO " + latest + " AS t (" + COLUMNS + ")\n"
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)\n"
                + "ON CONFLICT (user_id) DO UPDATE SET\n"
                + "  request_time = excluded.request_time, request_id = excluded.request_id,\n"
                + "  model_name = excluded.model_name, model_version = excluded.model_version,\n"
                + "  features_as_of = excluded.features_as_of, scored_at = excluded.scored_at,\n"
                + "  written_at = excluded.written_at, recommendation = excluded.recommendation\n"
                + "WHERE (excluded.request_time, excluded.request_id) > (t.request_time, t.request_id)";
    }

    /** Append-only: a request id already logged (a redelivery) is left as first written. */
    public String insertLog() {
        if (log == null) throw new IllegalStateException("no log table configured");
        return "INSERT INTO " + log + " (" + COLUMNS + ")\n"
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)\n"
                + "ON CONFLICT (request_id) DO NOTHING";
    }

    /** A forgotten user's history: the only delete the log ever sees. */
    public String deleteLog() {
        if (log == null) throw new IllegalStateException("no log table configured");
        return "DELETE FROM " + log + " WHERE user_id = ?";
    }

    public String deleteLatest() {
        return "DELETE FROM " + latest + " WHERE user_id = ?";
    }

    public String selectLatest() {
        return "SELECT recommendation FROM " + latest + " WHERE user_id = ?";
    }

    /** Answers without rows when the table exists, fails when it does not: the reader's readiness. */
    public String probeLatest() {
        return "SELECT 1 FROM " + latest + " WHERE 1 = 0";
    }

    /** Binds one row in {@link #COLUMNS} order, for either table (and the serving bench's raw reference). */
    public static void bind(PreparedStatement ps, Recommendation r, String json, long writtenAt) throws SQLException {
        ps.setString(1, r.userId());
        ps.setLong(2, r.requestTime());
        ps.setString(3, r.requestId());
        ps.setString(4, r.modelName());
        ps.setString(5, r.modelVersion());
        if (r.featuresAsOf() == null) ps.setNull(6, Types.BIGINT);
        else ps.setLong(6, r.featuresAsOf());
        ps.setLong(7, r.scoredAt());
        ps.setLong(8, writtenAt);
        ps.setString(9, json);
    }
}
