package dev.tandem.connect.jdbc;

import static dev.tandem.connect.jdbc.SinkRecords.newestPerUser;
import static dev.tandem.connect.jdbc.SinkRecords.record;
import static dev.tandem.connect.sink.PredictionStructFixture.hashed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.jdbc.TestStore.Backend;
import dev.tandem.connect.jdbc.TestStore.Row;
import dev.tandem.testkit.FaultProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store going away mid-batch: the batch is rolled back, {@code put()} asks for an exponential backoff and throws
 * {@link RetriableException}, and the same batch redelivered after the store is back lands whole. The PostgreSQL case
 * cuts a {@link FaultProxy} between the sink and the shared server, never the server itself; the SQLite case holds
 * the file's write lock from another connection.
 */
class JdbcSinkOutageTest {
    static final String LATEST = "predictions_latest";
    static final String LOG = "predictions_log";

    @TempDir
    Path tmp;

    private TestStore store;
    private FaultProxy proxy;
    private JdbcSinkTask task;

    @AfterEach
    void tearDown() throws Exception {
        if (task != null) task.stop();
        if (proxy != null) proxy.close();
        if (store != null) store.close();
    }

    /** A first batch, then a second one reshuffling newer and older predictions of the same users. */
    private static List<List<Struct>> twoBatches() {
        List<Struct> first = new ArrayList<>(), second = new ArrayList<>();
        for (int u = 0; u < 40; u++) {
            first.add(hashed("a-" + u, "user-" + u, 10_000));
            for (int k = 0; k < 8; k++) second.add(hashed("b-" + u + "-" + k, "user-" + u, 9_000 + k * 500L));
        }
        Collections.shuffle(second, new Random(7));
        return List.of(first, second);
    }

    private static List<SinkRecord> records(List<Struct> predictions, long firstOffset) {
        List<SinkRecord> out = new ArrayList<>();
        for (Struct p : predictions) out.add(record(p, firstOffset++));
        return out;
    }

    private static Map<String, String> requestIds(Map<String, Row> rows) {
        Map<String, String> ids = new TreeMap<>();
        rows.forEach((key, row) -> ids.put(key, row.requestId()));
        return ids;
    }

    @Test
    void postgresCutMidBatchRollsBackRetriesWithBackoffAndTheRedeliveredBatchLands() throws Exception {
        store = TestStore.create(Backend.POSTGRESQL, tmp);
        proxy = FaultProxy.start(TestStore.PG_HOST, TestStore.PG_PORT);
        RecordingContext context = RecordingContext.withDeadLetters();
        task = new JdbcSinkTask();
        task.initialize(context);
        task.start(store.props(
                JdbcSinkConfig.CONNECTION_URL,
                TestStore.pgUrl(proxy.port()),
                JdbcSinkConfig.TABLE_LOG,
                LOG,
                JdbcSinkConfig.BATCH_SIZE,
                "10",
                "store.retry.backoff.ms",
                "200",
                "store.retry.max.backoff.ms",
                "10000"));
        List<List<Struct>> batches = twoBatches();
        List<SinkRecord> first = records(batches.get(0), 0), second = records(batches.get(1), 1_000);
        long before = proxy.clientBytes();
        task.put(first);
        long firstBatchBytes = proxy.clientBytes() - before;
        Map<String, String> afterFirst = newestPerUser(batches.get(0));
        assertThat(requestIds(store.latest(LATEST))).isEqualTo(new TreeMap<>(afterFirst));

        // The second batch sends 40 upserts and 320 log rows in JDBC batches of 10; the first sent 40 + 40 rows. So
        // the cut falls after several executeBatch round trips, well before the commit.
        proxy.cutAfterClientBytes(firstBatchBytes);
        assertThatThrownBy(() -> task.put(second)).isInstanceOf(RetriableException.class);
        assertThat(proxy.isCut()).as("the cut fired inside the batch").isTrue();
        assertThat(context.timeouts).containsExactly(200L);
        assertThat(requestIds(store.latest(LATEST)))
                .as("nothing of the cut batch is visible: it was one transaction")
                .isEqualTo(new TreeMap<>(afterFirst));
        assertThat(store.log(LOG)).hasSize(first.size());

        assertThatThrownBy(() -> task.put(second))
                .as("still down: refused at connect")
                .isInstanceOf(RetriableException.class);
        assertThat(context.timeouts).containsExactly(200L, 400L);

        proxy.restore();
        task.put(second); // the worker redelivers the same batch after the timeout
        List<Struct> all = new ArrayList<>(batches.get(0));
        all.addAll(batches.get(1));
        assertThat(requestIds(store.latest(LATEST))).isEqualTo(new TreeMap<>(newestPerUser(all)));
        assertThat(store.log(LOG)).hasSize(all.size());
        assertThat(task.metrics().getStoreFailures()).isEqualTo(2);
        assertThat(context.timeouts)
                .as("no more backoff once the store answers")
                .hasSize(2);

        // and the backoff starts over after a success
        proxy.cut();
        assertThatThrownBy(() -> task.put(first)).isInstanceOf(RetriableException.class);
        assertThat(context.timeouts).containsExactly(200L, 400L, 200L);
    }

    @Test
    void sqliteLockedByAnotherWriterIsAnOutageAndTheReaderStillReads() throws Exception {
        store = TestStore.create(Backend.SQLITE, tmp);
        RecordingContext context = RecordingContext.withDeadLetters();
        task = new JdbcSinkTask();
        task.initialize(context);
        Map<String, String> props = store.props(JdbcSinkConfig.SQLITE_BUSY_TIMEOUT_MS, "0");
        task.start(props);
        List<List<Struct>> batches = twoBatches();
        List<SinkRecord> first = records(batches.get(0), 0), second = records(batches.get(1), 1_000);
        task.put(first);
        assertThat(requestIds(store.latest(LATEST))).isEqualTo(new TreeMap<>(newestPerUser(batches.get(0))));

        try (JdbcRecommendationStore reader = JdbcRecommendationStore.open(props);
                Connection other = store.rawConnection()) {
            try (Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // holds the file's only write lock
                s.execute("DELETE FROM " + LATEST + " WHERE user_id = 'user-0'");
            }
            assertThatThrownBy(() -> task.put(second)).isInstanceOf(RetriableException.class);
            assertThat(context.timeouts).hasSize(1);
            assertThat(reader.latest("user-0"))
                    .as("WAL: the API reads the committed row while a writer holds the lock")
                    .hasValueSatisfying(r -> assertThat(r.requestId()).isEqualTo("a-0"));
            try (Statement s = other.createStatement()) {
                s.execute("ROLLBACK");
            }
            task.put(second);
            List<Struct> all = new ArrayList<>(batches.get(0));
            all.addAll(batches.get(1));
            assertThat(requestIds(store.latest(LATEST))).isEqualTo(new TreeMap<>(newestPerUser(all)));
            assertThat(reader.latest("user-0"))
                    .hasValueSatisfying(r -> assertThat(r.requestId())
                            .isEqualTo(newestPerUser(all).get("user-0")));
        }
    }
}
