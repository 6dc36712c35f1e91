package dev.tandem.bench.serving;

import dev.tandem.testkit.UnreachableException;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Redis and PostgreSQL a serving bench writes to: shared ones (the machine's), so each run keeps to a key prefix
 * and a schema of its own ({@code tandem-bench-serving-<run>:…}, {@code bench_serving_<run>}) and removes them at the
 * end, whatever happened. {@link #open} fails in one line ({@link UnreachableException}) when either does not answer.
 */
final class ServingStores implements AutoCloseable {
    private final String redisUri;
    private final String jdbcUrl;
    private final String jdbcUser;
    private final String jdbcPassword;
    private final String prefix;
    private final String schema;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> admin;

    private ServingStores(
            String redisUri,
            String jdbcUrl,
            String jdbcUser,
            String jdbcPassword,
            String run,
            RedisClient client,
            StatefulRedisConnection<String, String> admin) {
        this.redisUri = redisUri;
        this.jdbcUrl = jdbcUrl;
        this.jdbcUser = jdbcUser;
        this.jdbcPassword = jdbcPassword;
        this.prefix = "tandem-bench-serving-" + run + ":";
        this.schema = "bench_serving_" + run.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        this.client = client;
        this.admin = admin;
    }

    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread cleanUpOnExit = new Thread(this::close, "tandem-bench-serving-cleanup");

    /** Checks both stores answer, then creates the run's schema. */
    static ServingStores open(String redisUri, String jdbcUrl, String jdbcUser, String jdbcPassword, String run) {
        requireRedis(redisUri);
        RedisClient client = RedisClient.create(RedisURI.create(redisUri));
        StatefulRedisConnection<String, String> admin = client.connect();
        ServingStores stores = new ServingStores(redisUri, jdbcUrl, jdbcUser, jdbcPassword, run, client, admin);
        // a run stopped with SIGTERM or Ctrl-C never reaches close(): its keys (no TTL) and tables would stay in the
        // shared stores for good
        Runtime.getRuntime().addShutdownHook(stores.cleanUpOnExit);
        try (Connection c = stores.jdbc();
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + stores.schema);
        } catch (SQLException e) {
            stores.close();
            throw new UnreachableException("PostgreSQL at " + jdbcUrl + " (user " + jdbcUser + ") cannot be used: "
                    + e.getMessage() + " (--postgres, --postgres-user)");
        }
        return stores;
    }

    /** A failure in one line when Redis does not answer a PING within 3 s. */
    static void requireRedis(String redisUri) {
        RedisURI uri;
        try {
            uri = RedisURI.create(redisUri);
        } catch (RuntimeException e) {
            throw new UnreachableException("not a Redis URI: " + redisUri + " (--redis)");
        }
        uri.setTimeout(Duration.ofSeconds(3));
        RedisClient c = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
            conn.sync().ping();
        } catch (RuntimeException e) {
            throw new UnreachableException("Redis at " + redisUri + " does not answer (" + e.getMessage()
                    + "): the serving bench writes to it (--redis)");
        } finally {
            c.shutdown();
        }
    }

    /** A failure in one line when PostgreSQL does not take a connection within 5 s. */
    static void requirePostgres(String jdbcUrl, String user, String password) {
        try (Connection c = connect(jdbcUrl, user, password)) {
            c.isValid(5);
        } catch (SQLException e) {
            throw new UnreachableException("PostgreSQL at " + jdbcUrl + " (user " + user + ") does not answer ("
                    + e.getMessage() + "): the serving bench writes to it (--postgres, --postgres-user)");
        }
    }

    String redisUri() {
        return redisUri;
    }

    /** The run's key prefix: every key it writes starts with it. */
    String prefix() {
        return prefix;
    }

    /** The run's key prefix for one part of it, e.g. {@code tandem-bench-serving-<run>:sink:}. */
    String prefix(String part) {
        return prefix + part + ":";
    }

    String jdbcUrl() {
        return jdbcUrl;
    }

    String jdbcUser() {
        return jdbcUser;
    }

    String jdbcPassword() {
        return jdbcPassword;
    }

    String schema() {
        return schema;
    }

    RedisClient redis() {
        return client;
    }

    Connection jdbc() throws SQLException {
        return connect(jdbcUrl, jdbcUser, jdbcPassword);
    }

    private static Connection connect(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, p);
    }

    /** Removes every key under {@code keyPrefix} (SCAN + UNLINK: no KEYS over a shared Redis). */
    long deleteKeys(String keyPrefix) {
        RedisCommands<String, String> r = admin.sync();
        ScanArgs match =
                ScanArgs.Builder.matches(keyPrefix.replace("*", "\\*") + "*").limit(1000);
        long n = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = r.scan(cursor, match);
            if (!page.getKeys().isEmpty()) n += r.unlink(page.getKeys().toArray(String[]::new));
            cursor = page;
        } while (!cursor.isFinished());
        return n;
    }

    /** Removes the run's keys and schema; both attempted, whatever fails. Once only, on close or at exit. */
    @Override
    public void close() {
        if (Thread.currentThread() != cleanUpOnExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
            } catch (IllegalStateException exiting) {
                // the JVM is shutting down: the hook runs (or ran) the clean-up
            }
        }
        if (!closed.compareAndSet(false, true)) return;
        try {
            deleteKeys(prefix);
        } catch (RuntimeException e) {
            System.err.println("serving bench: could not remove Redis keys " + prefix + "*: " + e.getMessage());
        }
        try (Connection c = jdbc();
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("serving bench: could not drop schema " + schema + ": " + e.getMessage());
        } finally {
            admin.close();
            client.shutdown();
        }
    }
}
