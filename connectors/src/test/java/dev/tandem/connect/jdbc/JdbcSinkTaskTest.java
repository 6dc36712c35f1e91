package dev.tandem.connect.jdbc;

import static dev.tandem.connect.jdbc.SinkRecords.expected;
import static dev.tandem.connect.jdbc.SinkRecords.forget;
import static dev.tandem.connect.jdbc.SinkRecords.newestPerUser;
import static dev.tandem.connect.jdbc.SinkRecords.record;
import static dev.tandem.connect.jdbc.SinkRecords.tombstone;
import static dev.tandem.connect.sink.PredictionStructFixture.hashed;
import static dev.tandem.connect.sink.PredictionStructFixture.prediction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.jdbc.TestStore.Backend;
import dev.tandem.connect.jdbc.TestStore.Row;
import dev.tandem.connect.serving.RecommendationJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The sink's rules, each checked on both stores: PostgreSQL (skipped when unreachable) and a SQLite file. */
class JdbcSinkTaskTest {
    static final String LATEST = "predictions_latest";
    static final String LOG = "predictions_log";

    @TempDir
    Path tmp;

    private TestStore store;
    private final List<JdbcSinkTask> tasks = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000);

    @AfterEach
    void tearDown() throws Exception {
        tasks.forEach(JdbcSinkTask::stop);
        if (store != null) store.close();
    }

    private JdbcSinkTask start(RecordingContext context, String... extra) {
        JdbcSinkTask task = new JdbcSinkTask();
        task.initialize(context);
        task.start(store.props(extra));
        task.clock(clock::get);
        tasks.add(task);
        return task;
    }

    private JdbcSinkTask start(String... extra) {
        return start(RecordingContext.withDeadLetters(), extra);
    }

    private static Map<String, String> requestIds(Map<String, Row> rows) {
        Map<String, String> ids = new TreeMap<>();
        rows.forEach((key, row) -> ids.put(key, row.requestId()));
        return ids;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void newestWinsWhateverTheArrivalOrder(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        List<Struct> all = new ArrayList<>();
        for (int u = 0; u < 6; u++) {
            for (int k = 0; k < 8; k++) {
                // pairs share a request time, so the request id decides between them
                all.add(hashed("r-" + u + "-" + k, "user-" + u, 1_000_000L + (k / 2) * 1_000L));
            }
        }
        // ids whose byte order differs from String.compareTo's (UTF-16) and from a linguistic collation's
        all.add(hashed("t-\uFF5E", "user-bytes", 5_000));
        all.add(hashed("t-" + new String(Character.toChars(0x1F600)), "user-bytes", 5_000));
        all.add(hashed("t-a-B", "user-case", 5_000));
        all.add(hashed("t-a-b", "user-case", 5_000));
        Map<String, String> newest = newestPerUser(all);
        assertThat(newest).containsEntry("user-0", "r-0-7").containsEntry("user-case", "t-a-b");

        for (int seed = 1; seed <= 3; seed++) {
            String table = "latest_" + seed;
            JdbcSinkTask task = start(JdbcSinkConfig.TABLE_LATEST, table);
            List<Struct> shuffled = new ArrayList<>(all);
            Random random = new Random(seed);
            Collections.shuffle(shuffled, random);
            long offset = 0;
            for (int i = 0; i < shuffled.size(); ) {
                List<SinkRecord> batch = new ArrayList<>();
                for (int n = 1 + random.nextInt(7); n > 0 && i < shuffled.size(); n--, i++) {
                    batch.add(record(shuffled.get(i), offset++));
                }
                task.put(batch);
            }
            Map<String, Row> rows = store.latest(table);
            assertThat(requestIds(rows)).as("seed %d", seed).isEqualTo(new TreeMap<>(newest));
            for (Struct p : all) {
                if (p.getString("request_id").equals(newest.get(p.getString("user_id")))) {
                    Row row = rows.get(p.getString("user_id"));
                    assertThat(RecommendationJson.decode(row.recommendation())).isEqualTo(expected(p));
                    assertThat(row.requestTime()).isEqualTo(SinkRecords.requestTime(p));
                }
            }
            assertThat(task.metrics().getRecordsWritten() + task.metrics().getRecordsSkippedStale())
                    .as("every prediction is either written or counted stale")
                    .isEqualTo(all.size());
            assertThat(task.metrics().getRecordsWritten()).isGreaterThanOrEqualTo(newest.size());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theSamePredictionAgainAndAnOlderOneChangeNothing(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start();
        Struct p = hashed("r-2", "u", 2_000);
        task.put(List.of(record(p, 0)));
        clock.set(2_000);
        task.put(List.of(record(p, 1)));
        task.put(List.of(record(hashed("r-1", "u", 1_000), 2)));
        task.put(List.of(record(hashed("r-0", "u", 2_000), 3))); // same time, smaller id

        Row row = store.latest(LATEST).get("u");
        assertThat(row.requestId()).isEqualTo("r-2");
        assertThat(row.writtenAt()).as("the row was never rewritten").isEqualTo(1_000);
        assertThat(task.metrics().getRecordsWritten()).isEqualTo(1);
        assertThat(task.metrics().getRecordsSkippedStale()).isEqualTo(3);

        task.put(List.of(record(hashed("r-3", "u", 2_000), 4))); // same time, larger id
        row = store.latest(LATEST).get("u");
        assertThat(row.requestId()).isEqualTo("r-3");
        assertThat(row.writtenAt()).isEqualTo(2_000);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void twoPredictionsOfOneUserInOneBatchKeepTheNewest(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start();
        task.put(List.of(
                record(hashed("r-5", "u", 5_000), 0),
                record(hashed("r-9", "u", 9_000), 1),
                record(hashed("r-9", "u", 9_000), 2),
                record(hashed("r-7", "u", 7_000), 3),
                record(hashed("r-2", "v", 2_000), 4),
                record(hashed("r-1", "v", 1_000), 5)));
        assertThat(requestIds(store.latest(LATEST))).containsExactly(Map.entry("u", "r-9"), Map.entry("v", "r-2"));
        assertThat(task.metrics().getRecordsWritten()).isEqualTo(2);
        assertThat(task.metrics().getRecordsSkippedStale()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theLogKeepsEveryPredictionOnceAsFirstWritten(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start(JdbcSinkConfig.TABLE_LOG, LOG);
        task.put(List.of(record(hashed("r-1", "u", 1_000), 0), record(hashed("r-2", "u", 2_000), 1)));
        clock.set(5_000);
        task.put(List.of(
                record(hashed("r-1", "u", 1_000), 2), // redelivered: the log keeps its first write
                record(hashed("r-3", "v", 3_000), 3),
                record(hashed("r-3", "v", 3_000), 4)));

        Map<String, Row> log = store.log(LOG);
        assertThat(log).containsOnlyKeys("r-1", "r-2", "r-3");
        assertThat(log.get("r-1").writtenAt()).isEqualTo(1_000);
        assertThat(log.get("r-1").userId()).isEqualTo("u");
        assertThat(log.get("r-3").writtenAt()).isEqualTo(5_000);
        assertThat(RecommendationJson.decode(log.get("r-2").recommendation()))
                .isEqualTo(expected(hashed("r-2", "u", 2_000)));
        assertThat(requestIds(store.latest(LATEST))).containsExactly(Map.entry("u", "r-2"), Map.entry("v", "r-3"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTombstoneDeletesTheUsersRowInBatchOrder(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start(JdbcSinkConfig.TABLE_LOG, LOG);
        task.put(List.of(record(hashed("r-1", "u", 1_000), 0), record(hashed("r-2", "v", 1_000), 1)));
        task.put(List.of(tombstone("u", 2), tombstone("nobody", 3)));
        assertThat(store.latest(LATEST)).containsOnlyKeys("v");

        task.put(List.of(
                tombstone("w", 4),
                record(hashed("r-3", "w", 3_000), 5), // after its tombstone: stays
                record(hashed("r-4", "x", 3_000), 6),
                tombstone("x", 7))); // after the prediction: deletes it
        assertThat(store.latest(LATEST)).containsOnlyKeys("v", "w");
        assertThat(store.log(LOG))
                .as("the log is history: tombstones leave it")
                .containsOnlyKeys("r-1", "r-2", "r-3", "r-4");

        task.put(List.of(record(hashed("r-0", "u", 500), 8))); // the row is gone, so an old one is new again
        assertThat(requestIds(store.latest(LATEST))).containsEntry("u", "r-0");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aForgetDeletesTheUsersRowAndItsLogRowsAndNothingOfOtherUsers(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start(JdbcSinkConfig.TABLE_LOG, LOG);
        task.put(List.of(
                record(hashed("r-1", "u", 1_000), 0),
                record(hashed("r-2", "u", 2_000), 1),
                record(hashed("r-3", "v", 1_000), 2)));
        task.put(List.of(
                record(hashed("r-4", "u", 3_000), 3), // before the forget in the same batch: never logged
                forget("u", 4),
                forget("nobody", 5),
                record(hashed("r-5", "w", 1_000), 6),
                forget("w", 7),
                record(hashed("r-6", "w", 2_000), 8))); // after its forget: the user is back
        assertThat(store.latest(LATEST)).containsOnlyKeys("v", "w");
        assertThat(requestIds(store.latest(LATEST))).containsEntry("w", "r-6");
        assertThat(store.log(LOG)).containsOnlyKeys("r-3", "r-6");

        task.put(List.of(forget("u", 9), forget("u", 10))); // again: nothing left, nothing fails
        assertThat(store.log(LOG)).containsOnlyKeys("r-3", "r-6");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aForgetWithoutALogTableDeletesTheRow(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start();
        task.put(List.of(record(hashed("r-1", "u", 1_000), 0), forget("u", 1)));
        assertThat(store.latest(LATEST)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void undecodableRecordsGoToTheDeadLettersAndTheRestIsStored(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        RecordingContext context = RecordingContext.withDeadLetters();
        JdbcSinkTask task = start(context);
        Struct otherStages = prediction("r-x", "u", 1_000)
                .stages("VIEW", "CLICK")
                .candidate("i", null, 0.1f, 0.2f)
                .struct();
        SinkRecord notAStruct = new SinkRecord("predictions", 0, null, "u", null, "garbage", 1);
        SinkRecord keylessTombstone = new SinkRecord("predictions", 0, null, null, null, null, 3);
        Struct withNul = hashed("r-\0", "u", 1_000);
        task.put(List.of(
                record(hashed("r-1", "u", 1_000), 0),
                notAStruct,
                record(otherStages, 2),
                keylessTombstone,
                record(withNul, 4),
                record(hashed("r-2", "v", 1_000), 5)));

        assertThat(requestIds(store.latest(LATEST))).containsExactly(Map.entry("u", "r-1"), Map.entry("v", "r-2"));
        assertThat(context.deadLetters)
                .extracting(r -> r.record().kafkaOffset())
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(context.deadLetters).allSatisfy(r -> assertThat(r.error()).isInstanceOf(DataException.class));
        assertThat(context.deadLetters.get(1).error()).hasMessageContaining("PURCHASE");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void withoutADeadLetterQueueABadRecordFailsTheBatchBeforeAnyWrite(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask task = start(RecordingContext.withoutDeadLetters());
        List<SinkRecord> batch = List.of(
                record(hashed("r-1", "u", 1_000), 0), new SinkRecord("predictions", 0, null, "u", null, "garbage", 1));
        assertThatThrownBy(() -> task.put(batch))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("predictions-0@1")
                .hasMessageContaining("errors.deadletterqueue.topic.name");
        assertThat(store.latest(LATEST)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void tablesAreCreatedWhenMissingAndKeptWhenPresent(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        JdbcSinkTask first = start();
        assertThat(store.tableExists(LATEST)).isTrue();
        assertThat(store.tableExists(LOG)).as("no log unless configured").isFalse();
        first.put(List.of(record(hashed("r-1", "u", 1_000), 0)));
        first.stop();
        tasks.remove(first);

        start(JdbcSinkConfig.TABLE_LOG, LOG);
        assertThat(store.tableExists(LOG)).isTrue();
        assertThat(requestIds(store.latest(LATEST))).containsExactly(Map.entry("u", "r-1"));
        if (backend == Backend.SQLITE) assertThat(store.journalMode()).isEqualToIgnoringCase("wal");
        if (backend == Backend.POSTGRESQL) {
            assertThat(store.idCollations(LATEST))
                    .as("ids compare in byte order")
                    .containsOnly("C");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theReaderServesWhatTheSinkWrote(Backend backend) throws Exception {
        store = TestStore.create(backend, tmp);
        Map<String, String> props = store.props(JdbcSinkConfig.CONNECTION_PASSWORD, "s3cret");
        try (JdbcRecommendationStore reader = JdbcRecommendationStore.open(props)) {
            assertThat(reader.ready()).as("no table yet").isFalse();
            JdbcSinkTask task = start(JdbcSinkConfig.CONNECTION_PASSWORD, "s3cret");
            Struct p = hashed("r-1", "u", 1_000);
            task.put(List.of(record(p, 0)));

            assertThat(reader.ready()).isTrue();
            assertThat(reader.latest("u")).contains(expected(p));
            assertThat(reader.latest("someone-else")).isEmpty();
            assertThat(reader.describe()).contains(LATEST).doesNotContain("s3cret");

            task.put(List.of(record(hashed("r-2", "u", 2_000), 1)));
            assertThat(reader.latest("u"))
                    .hasValueSatisfying(r -> assertThat(r.requestId()).isEqualTo("r-2"));
            task.stop();
            tasks.remove(task);
        }
        // with the sink gone (SQLite: its WAL checkpointed and removed), a fresh read-only reader still opens
        try (JdbcRecommendationStore reader = JdbcRecommendationStore.open(props)) {
            assertThat(reader.ready()).isTrue();
            assertThat(reader.latest("u"))
                    .hasValueSatisfying(r -> assertThat(r.requestId()).isEqualTo("r-2"));
        }
    }
}
