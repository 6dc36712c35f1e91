package dev.tandem.connect.jdbc;

import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import dev.tandem.connect.serving.RecommendationStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what {@link JdbcSinkTask} writes: one user's row of the latest table, its JSON decoded. Configured with the
 * sink's own keys ({@link JdbcSinkConfig}), so both sides name the same table. Connections are opened read-only
 * (SQLite: the file opened read-only with the busy timeout, which WAL mode lets read while the sink writes) and kept
 * in a small idle pool, since the API asks from many threads and a JDBC connection serves one statement at a time.
 */
public final class JdbcRecommendationStore implements RecommendationStore {
    private static final int MAX_IDLE = 8;

    private final JdbcConnections connections;
    private final PredictionTables tables;
    private final String description;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    public JdbcRecommendationStore(JdbcSinkConfig config) {
        this.connections = config.connections();
        this.tables = config.tables();
        this.description = JdbcConnections.redact(config.url()) + " table " + tables.latest();
    }

    /** From the same keys the sink takes ({@code connection.url}, {@code table.latest}, ...). */
    public static JdbcRecommendationStore open(Map<String, ?> props) {
        return new JdbcRecommendationStore(new JdbcSinkConfig(props));
    }

    @Override
    public Optional<Recommendation> latest(String userId) throws SQLException {
        String json = null;
        Connection c = borrow();
        boolean healthy = false;
        try (PreparedStatement ps = c.prepareStatement(tables.selectLatest())) {
            ps.setString(1, userId);
            try (ResultSet r = ps.executeQuery()) {
                if (r.next()) json = r.getString(1);
            }
            healthy = true;
        } finally {
            release(c, healthy);
        }
        return json == null ? Optional.empty() : Optional.of(RecommendationJson.decode(json));
    }

    /** The store answers and the latest table exists (before the sink's first start it does not). */
    @Override
    public boolean ready() {
        Connection c;
        try {
            c = borrow();
        } catch (SQLException e) {
            return false;
        }
        boolean healthy = false;
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(tables.probeLatest())) {
            healthy = true;
            return true;
        } catch (SQLException e) {
            return false;
        } finally {
            release(c, healthy);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    private Connection borrow() throws SQLException {
        synchronized (idle) {
            if (closed) throw new SQLException("store closed", "08003");
            Connection c = idle.pollFirst();
            if (c != null) return c;
        }
        return connections.openReader();
    }

    /** A connection that failed is dropped rather than pooled: it may be the one the outage broke. */
    private void release(Connection c, boolean healthy) {
        if (healthy) {
            synchronized (idle) {
                if (!closed && idle.size() < MAX_IDLE) {
                    idle.addFirst(c);
                    return;
                }
            }
        }
        JdbcConnections.closeQuietly(c);
    }

    @Override
    public void close() {
        synchronized (idle) {
            closed = true;
            idle.forEach(JdbcConnections::closeQuietly);
            idle.clear();
        }
    }
}
