package dev.tandem.connect.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One empty store per test: on the shared PostgreSQL a schema of its own ({@code tandem_test_<random>}, dropped
 * after), so parallel runs never see each other's rows; on SQLite a file in the test's temporary directory.
 */
final class TestStore implements AutoCloseable {
    enum Backend {
        POSTGRESQL,
        SQLITE
    }

    static final String PG_HOST = "127.0.0.1";
    static final int PG_PORT = 5432;
    static final String PG_USER = "postgres";
    private static Boolean postgresUp;

    /** A row of a serving table, as the assertions compare it. */
    record Row(String userId, String requestId, long requestTime, long writtenAt, String recommendation) {}

    final Backend backend;
    final String schema;
    final Path file;
    private final Connection admin;

    private TestStore(Backend backend, String schema, Path file, Connection admin) {
        this.backend = backend;
        this.schema = schema;
        this.file = file;
        this.admin = admin;
    }

    static String pgUrl(int port) {
        return "jdbc:postgresql://" + PG_HOST + ":" + port + "/test";
    }

    static synchronized boolean postgresReachable() {
        if (postgresUp == null) {
            try (Connection c = pgAdmin(PG_PORT)) {
                postgresUp = c.isValid(2);
            } catch (SQLException e) {
                postgresUp = false;
            }
        }
        return postgresUp;
    }

    private static Connection pgAdmin(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PG_USER);
        p.setProperty("connectTimeout", "2");
        return new org.postgresql.Driver().connect(pgUrl(port), p);
    }

    /** Skips the calling test (one line, via a JUnit assumption) when PostgreSQL is not there. */
    static TestStore create(Backend backend, Path tempDir) throws SQLException {
        if (backend == Backend.SQLITE) {
            Path file = tempDir.resolve("serving-" + UUID.randomUUID() + ".db");
            return new TestStore(backend, null, file, null);
        }
        assumeTrue(postgresReachable(), "PostgreSQL is not reachable at " + PG_HOST + ":" + PG_PORT);
        String schema = "tandem_test_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        Connection admin = pgAdmin(PG_PORT);
        try (Statement s = admin.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return new TestStore(backend, schema, null, admin);
    }

    String url() {
        return backend == Backend.SQLITE ? "jdbc:sqlite:" + file : pgUrl(PG_PORT);
    }

    /** A sink config for this store; {@code extra} as key, value, key, value, ... */
    Map<String, String> props(String... extra) {
        Map<String, String> p = new HashMap<>();
        p.put("name", "jdbc-sink-test");
        p.put(JdbcSinkConfig.CONNECTION_URL, url());
        if (backend == Backend.POSTGRESQL) {
            p.put(JdbcSinkConfig.CONNECTION_USER, PG_USER);
            p.put(JdbcSinkConfig.TABLE_SCHEMA, schema);
        }
        for (int i = 0; i < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
        return p;
    }

    /** A connection beside the sink's, for assertions (SQLite: opened per call, so it never holds the file). */
    private Connection admin() throws SQLException {
        if (backend == Backend.POSTGRESQL) return admin;
        return new org.sqlite.JDBC().connect("jdbc:sqlite:" + file, new Properties());
    }

    private void release(Connection c) throws SQLException {
        if (c != admin) c.close();
    }

    private String qualified(String table) {
        return schema == null ? table : schema + "." + table;
    }

    boolean tableExists(String table) throws SQLException {
        Connection c = admin();
        try {
            String sql = backend == Backend.POSTGRESQL
                    ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + schema
                            + "' AND table_name = ?"
                    : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, table);
                try (ResultSet r = ps.executeQuery()) {
                    r.next();
                    return r.getInt(1) == 1;
                }
            }
        } finally {
            release(c);
        }
    }

    /** The rows of a serving table by their key (user_id for latest, request_id for a log). */
    Map<String, Row> rows(String table, String keyColumn) throws SQLException {
        Map<String, Row> out = new TreeMap<>();
        Connection c = admin();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT user_id, request_id, request_time, written_at, recommendation, "
                        + keyColumn + " FROM " + qualified(table))) {
            while (r.next()) {
                out.put(
                        r.getString(6),
                        new Row(r.getString(1), r.getString(2), r.getLong(3), r.getLong(4), r.getString(5)));
            }
        } finally {
            release(c);
        }
        return out;
    }

    Map<String, Row> latest(String table) throws SQLException {
        return rows(table, "user_id");
    }

    Map<String, Row> log(String table) throws SQLException {
        return rows(table, "request_id");
    }

    /** PostgreSQL: the collations of a table's id columns. */
    List<String> idCollations(String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = admin.prepareStatement("SELECT collation_name FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? AND column_name IN ('user_id', 'request_id')")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) out.add(r.getString(1));
            }
        }
        return out;
    }

    String journalMode() throws SQLException {
        Connection c = admin();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
            r.next();
            return r.getString(1);
        } finally {
            release(c);
        }
    }

    /** A second connection straight to the store, not the sink's (SQLite: to hold its write lock). */
    Connection rawConnection() throws SQLException {
        return backend == Backend.POSTGRESQL
                ? pgAdmin(PG_PORT)
                : new org.sqlite.JDBC().connect("jdbc:sqlite:" + file, new Properties());
    }

    @Override
    public void close() throws SQLException {
        if (admin == null) return;
        try (Statement s = admin.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } finally {
            admin.close();
        }
    }
}
