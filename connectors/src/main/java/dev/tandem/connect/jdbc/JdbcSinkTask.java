package dev.tandem.connect.jdbc;

import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import dev.tandem.connect.sink.PredictionDecoder;
import dev.tandem.connect.sink.SinkMetrics;
import dev.tandem.schemas.topics.ForgetSignal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch of predictions in one transaction: deletes for tombstones, one newest-wins upsert per user into
 * the latest table, and every prediction into the log table when there is one ({@link PredictionTables}). A tombstone
 * with the forget header ({@link ForgetSignal}: the user was forgotten, not merely expired) also deletes the user's
 * log rows.
 *
 * <p>Offsets: {@code put()} returns only after the transaction committed, so the offsets the worker commits never run
 * ahead of the store. When the store is away, the batch is rolled back, the connection dropped, and {@code put()}
 * throws {@link RetriableException} after asking for an exponential {@code context.timeout}: the worker redelivers the
 * same batch, which the newest-wins rule makes safe to apply again.
 */
public class JdbcSinkTask extends SinkTask {
    /** Set by {@link JdbcSinkConnector} in each task's config, to tell the tasks' metrics apart. */
    static final String TASK_INDEX = "tandem.task.index";

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSinkTask.class);

    private JdbcSinkConfig config;
    private PredictionTables tables;
    private JdbcConnections connections;
    private PredictionDecoder decoder;
    private int batchSize;
    private SinkMetrics metrics;
    private Connection connection;
    private int failures;
    private LongSupplier clock = System::currentTimeMillis;

    @Override
    public String version() {
        return JdbcSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new JdbcSinkConfig(props);
        tables = config.tables();
        connections = config.connections();
        decoder = new PredictionDecoder(config);
        batchSize = config.batchSize();
        metrics = new SinkMetrics(
                props.getOrDefault("name", "jdbc-sink"), Integer.parseInt(props.getOrDefault(TASK_INDEX, "0")));
        try {
            connect();
        } catch (SQLException e) {
            if (!JdbcConnections.retriable(e)) {
                throw new ConnectException("cannot prepare the tables in " + describe() + ": " + e.getMessage(), e);
            }
            // a store that is down at start is an outage like any other: the first put() retries it
            LOG.warn("{} is unreachable at start ({}); batches wait for it", describe(), e.getMessage());
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) return;
        BatchPlan plan = new BatchPlan();
        List<SinkRecord> errant = new ArrayList<>();
        List<DataException> reasons = new ArrayList<>();
        for (SinkRecord record : records) {
            try {
                if (record.value() == null) {
                    if (record.headers().lastWithName(ForgetSignal.HEADER) != null)
                        plan.forget(userOfTombstone(record));
                    else plan.tombstone(userOfTombstone(record));
                } else {
                    Recommendation r = decoder.toRecommendation(record.topic(), record.value());
                    checkStorable(r);
                    plan.prediction(r, RecommendationJson.encode(r));
                }
            } catch (DataException e) {
                errant.add(record);
                reasons.add(e);
            }
        }
        ErrantRecordReporter reporter = errant.isEmpty() ? null : reporter();
        if (!errant.isEmpty() && reporter == null) {
            SinkRecord first = errant.get(0);
            throw new DataException(
                    "record " + first.topic() + "-" + first.kafkaPartition() + "@" + first.kafkaOffset()
                            + " is not a storable prediction (configure errors.deadletterqueue.topic.name to route"
                            + " such records aside): " + reasons.get(0).getMessage(),
                    reasons.get(0));
        }
        if (!plan.isEmpty()) write(plan);
        // reported only once the batch is stored, so a store outage does not send them to the dead letters twice
        for (int i = 0; i < errant.size(); i++) reporter.report(errant.get(i), reasons.get(i));
    }

    private void write(BatchPlan plan) {
        long start = System.nanoTime();
        int written = 0, stale = plan.superseded();
        try {
            if (connection == null) connect();
            long now = clock.getAsLong();
            execute(tables.deleteLatest(), plan.deletes(), (ps, user) -> ps.setString(1, user));
            int[] counts = execute(
                    tables.upsertLatest(),
                    plan.upserts(),
                    (ps, row) -> PredictionTables.bind(ps, row.recommendation(), row.json(), now));
            for (int c : counts) {
                // 0: the row held a prediction as new or newer, the WHERE refused it; SUCCESS_NO_INFO (-2): written
                if (c == 0) stale++;
                else written++;
            }
            if (tables.log() != null) {
                execute(tables.deleteLog(), plan.forgotten(), (ps, user) -> ps.setString(1, user));
                execute(
                        tables.insertLog(),
                        plan.log(),
                        (ps, row) -> PredictionTables.bind(ps, row.recommendation(), row.json(), now));
            }
            connection.commit();
        } catch (SQLException e) {
            abandonConnection();
            metrics.failure();
            if (!JdbcConnections.retriable(e)) {
                throw new ConnectException(
                        "writing to " + describe() + " failed, and a retry would not help: " + e.getMessage(), e);
            }
            failures++;
            long backoff = config.backoffMs(failures);
            LOG.warn(
                    "writing a batch to {} failed ({} in a row), retrying in {} ms: {}",
                    describe(),
                    failures,
                    backoff,
                    e.getMessage());
            context.timeout(backoff);
            throw new RetriableException("store unavailable: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abandonConnection();
            throw e;
        }
        failures = 0;
        metrics.batch(written, stale, System.nanoTime() - start);
    }

    private interface Binder<T> {
        void bind(PreparedStatement ps, T item) throws SQLException;
    }

    private <T> int[] execute(String sql, List<T> items, Binder<T> binder) throws SQLException {
        int[] counts = new int[items.size()];
        if (items.isEmpty()) return counts;
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            int done = 0, pending = 0;
            for (T item : items) {
                binder.bind(ps, item);
                ps.addBatch();
                if (++pending == batchSize) {
                    int[] c = ps.executeBatch();
                    System.arraycopy(c, 0, counts, done, c.length);
                    done += pending;
                    pending = 0;
                }
            }
            if (pending > 0) {
                int[] c = ps.executeBatch();
                System.arraycopy(c, 0, counts, done, c.length);
            }
        }
        return counts;
    }

    /** Opens the connection and creates whatever tables are missing. */
    private void connect() throws SQLException {
        Connection c = connections.openWriter();
        try {
            try (Statement s = c.createStatement()) {
                for (String ddl : tables.createStatements()) s.execute(ddl);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            JdbcConnections.closeQuietly(c::rollback);
            JdbcConnections.closeQuietly(c);
            throw e;
        }
        connection = c;
    }

    /** Rolls back what the batch did and drops the connection: the next put() reconnects. */
    private void abandonConnection() {
        if (connection == null) return;
        JdbcConnections.closeQuietly(connection::rollback);
        JdbcConnections.closeQuietly(connection);
        connection = null;
    }

    /** The record key is the user id (the {@code predictions} topic is keyed by it). */
    private static String userOfTombstone(SinkRecord record) {
        Object key = record.key();
        String user;
        if (key instanceof String s) user = s;
        else if (key instanceof byte[] b) user = new String(b, StandardCharsets.UTF_8);
        else if (key instanceof Struct s && s.schema().field("user_id") != null) user = s.getString("user_id");
        else {
            throw new DataException("a tombstone needs the user id as its key to delete a row, got "
                    + (key == null ? "no key" : key.getClass().getName()));
        }
        if (user == null || user.indexOf('\0') >= 0) throw new DataException("tombstone key is not a user id");
        return user;
    }

    /** PostgreSQL text cannot hold NUL: refused here as bad data rather than failing the whole batch in SQL. */
    private static void checkStorable(Recommendation r) {
        for (String s : new String[] {r.userId(), r.requestId(), r.modelName(), r.modelVersion()}) {
            if (s.indexOf('\0') >= 0) throw new DataException("prediction " + r.requestId() + " has a NUL character");
        }
    }

    private ErrantRecordReporter reporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a worker older than Kafka 2.6 has no dead-letter reporter for sinks
        }
    }

    private String describe() {
        return JdbcConnections.redact(config.url());
    }

    @Override
    public void stop() {
        abandonConnection();
        if (metrics != null) metrics.close();
        if (decoder != null) decoder.close();
    }

    SinkMetrics metrics() {
        return metrics;
    }

    /** Tests pin the {@code written_at} clock to tell a write from a refused one. */
    void clock(LongSupplier clock) {
        this.clock = clock;
    }
}
