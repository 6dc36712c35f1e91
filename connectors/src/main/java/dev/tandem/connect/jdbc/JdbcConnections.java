package dev.tandem.connect.jdbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteException;

/**
 * Opens the store's connections and tells an outage from a mistake. Drivers are instantiated directly rather than
 * found through {@code DriverManager}, which only hands out drivers visible to the caller's class loader: inside a
 * Connect worker the plugin's isolated loader is not always the one {@code DriverManager} registered them from.
 */
public final class JdbcConnections {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcConnections.class);

    /**
     * PostgreSQL SQLSTATE classes a retry cannot fix: data (22), integrity (23), authorization (28), missing database
     * or schema (3D, 3F), syntax or privilege (42), unsupported feature (0A). Everything else, connection failures
     * (08), deadlocks and serialization (40), resources (53), shutdowns (57), is waited out.
     */
    private static final Set<String> PERMANENT_PG_CLASSES = Set.of("0A", "22", "23", "28", "3D", "3F", "42");

    /** SQLite primary result codes a retry can fix: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN, PROTOCOL. */
    private static final Set<Integer> RETRIABLE_SQLITE_CODES = Set.of(5, 6, 7, 10, 13, 14, 15);

    private final Dialect dialect;
    private final String url;
    private final String user;
    private final String password;
    private final int busyTimeoutMs;

    public JdbcConnections(Dialect dialect, String url, String user, String password, int busyTimeoutMs) {
        this.dialect = dialect;
        this.url = url;
        this.user = user;
        this.password = password;
        this.busyTimeoutMs = busyTimeoutMs;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The sink's connection: autocommit off, and for SQLite the file in WAL mode with a busy timeout. */
    public Connection openWriter() throws SQLException {
        Connection c;
        if (dialect == Dialect.POSTGRESQL) {
            c = openPostgres("tandem-jdbc-sink");
        } else {
            createParentDirectory();
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout(busyTimeoutMs);
            c = openSqlite(config);
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("PRAGMA journal_mode=WAL")) {
                // the pragma answers the mode it ended in: a file system without shared memory keeps the old one,
                // and then every write blocks the API's reads for its duration
                String mode = r.next() ? r.getString(1) : "?";
                if (!"wal".equalsIgnoreCase(mode)) {
                    LOG.warn(
                            "SQLite file {} stays in journal mode {} (not WAL): readers wait while the sink writes",
                            sqliteFile(url),
                            mode);
                }
            } catch (SQLException e) {
                closeQuietly(c);
                throw e;
            }
        }
        c.setAutoCommit(false);
        return c;
    }

    /** A reader's connection: autocommit, read-only (SQLite opens the file read-only and never creates it). */
    public Connection openReader() throws SQLException {
        if (dialect == Dialect.POSTGRESQL) {
            Connection c = openPostgres("tandem-recommendations");
            c.setReadOnly(true);
            return c;
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(busyTimeoutMs);
        config.setReadOnly(true);
        return openSqlite(config);
    }

    private Connection openPostgres(String applicationName) throws SQLException {
        Properties p = new Properties();
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.setProperty("ApplicationName", applicationName);
        // defaults only: parameters in the URL win. Without a socket timeout a store that vanishes without a reset
        // (a partition, not a refusal) would hang put() until the worker evicts the task's consumer.
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "120");
        p.setProperty("tcpKeepAlive", "true");
        Connection c = new org.postgresql.Driver().connect(url, p);
        if (c == null) throw new SQLException("the PostgreSQL driver refused the URL", "08001");
        return c;
    }

    private Connection openSqlite(SQLiteConfig config) throws SQLException {
        Connection c = new org.sqlite.JDBC().connect(url, config.toProperties());
        if (c == null) throw new SQLException("the SQLite driver refused the URL", "08001");
        return c;
    }

    private void createParentDirectory() {
        String file = sqliteFile(url);
        if (file.startsWith("file:")) return; // a URI: SQLite resolves it, leave it alone
        Path parent = Path.of(file).toAbsolutePath().getParent();
        try {
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException | RuntimeException e) {
            // the open that follows reports the real problem with SQLite's own words
            LOG.debug("could not create {}", parent, e);
        }
    }

    /** The file part of a {@code jdbc:sqlite:} URL, without its {@code ?} parameters. */
    static String sqliteFile(String url) {
        String rest = url.trim().substring(Dialect.SQLITE.prefix().length());
        int q = rest.indexOf('?');
        return q < 0 ? rest : rest.substring(0, q);
    }

    /**
     * Whether a failure looks like the store being away or busy (wait and redeliver) rather than a problem a retry
     * cannot fix (fail the task). Unknown failures count as outages: retrying loses nothing, the batch stays
     * uncommitted, while failing the task on a blip needs a person to restart it.
     */
    public static boolean retriable(SQLException e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 10; depth++) {
            if (t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof IOException) {
                return true;
            }
            if (t instanceof SQLiteException s) {
                return RETRIABLE_SQLITE_CODES.contains(s.getResultCode().code & 0xff);
            }
            if (t instanceof SQLException s
                    && s.getSQLState() != null
                    && s.getSQLState().length() >= 2) {
                String cls = s.getSQLState().substring(0, 2).toUpperCase(Locale.ROOT);
                return !PERMANENT_PG_CLASSES.contains(cls);
            }
            Throwable next = t instanceof SQLException s ? s.getNextException() : null;
            t = next != null ? next : t.getCause();
        }
        return true;
    }

    /** The URL with any password parameter masked, for logs and {@code describe()}. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {} failed", c, e);
        }
    }
}
