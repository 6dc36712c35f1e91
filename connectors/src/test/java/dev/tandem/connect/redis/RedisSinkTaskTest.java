package dev.tandem.connect.redis;

import static dev.tandem.connect.sink.PredictionStructFixture.prediction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.serving.Freshness;
import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.RankedItem;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.schemas.topics.ForgetSignal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The task against the machine's real Redis (skipped when none answers), each test under its own key prefix. */
class RedisSinkTaskTest {
    private static final Objective OBJECTIVE = Objective.probability("PURCHASE");

    private SharedRedis redis;
    private final List<RedisSinkTask> tasks = new ArrayList<>();
    private final Records records = new Records();

    @BeforeEach
    void connect() {
        redis = SharedRedis.connectOrSkip();
    }

    @AfterEach
    void cleanUp() {
        tasks.forEach(RedisSinkTask::stop);
        if (redis != null) redis.close();
    }

    private Map<String, String> props(String... extra) {
        Map<String, String> p = new HashMap<>();
        p.put("name", "redis-sink-test-" + redis.prefix);
        p.put(RedisSinkConfig.URI, SharedRedis.URI);
        p.put(RedisSinkConfig.KEY_PREFIX, redis.prefix);
        p.put(RedisSinkConfig.RETRY_BACKOFF_MS, "50");
        for (int i = 0; i < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
        return p;
    }

    private RedisSinkTask start(FakeSinkTaskContext context) {
        RedisSinkTask task = new RedisSinkTask();
        task.initialize(context);
        task.start(context.configs());
        tasks.add(task);
        return task;
    }

    private RedisSinkTask start(String... extra) {
        return start(new FakeSinkTaskContext(props(extra), true));
    }

    private String key(String user) {
        return new RedisKeys(redis.prefix).recommendation(user);
    }

    private String scoresKey(String user) {
        return new RedisKeys(redis.prefix).itemScores(user);
    }

    private Map<String, String> stored(String user) {
        return redis.redis().hgetall(key(user));
    }

    private static Recommendation rec(Struct p) {
        return PredictionStructs.toRecommendation(p, OBJECTIVE, 100);
    }

    @Test
    void theNewestPredictionWinsWhateverTheArrivalOrderAndBatching() {
        List<Struct> all = new ArrayList<>();
        Map<String, Recommendation> newest = new LinkedHashMap<>();
        Random random = new Random(13);
        for (int u = 0; u < 30; u++) {
            String user = "user-" + u;
            for (int k = 0; k < 8; k++) {
                // few distinct times, so ties broken by request id are common
                Struct p = prediction("req-" + random.nextInt(1000) + "-" + k, user, 1_000 + random.nextInt(4))
                        .candidate("i-" + k, 1.0 * k, 0.5f, 0.2f, k / 10f)
                        .struct();
                all.add(p);
                Recommendation r = rec(p);
                if (r.replaces(newest.get(user))) newest.put(user, r);
            }
        }
        for (int round = 0; round < 4; round++) {
            List<Struct> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, random);
            RedisSinkTask task = start();
            int i = 0;
            while (i < shuffled.size()) {
                int n = 1 + random.nextInt(40);
                List<SinkRecord> batch = new ArrayList<>();
                for (Struct p : shuffled.subList(i, Math.min(i + n, shuffled.size()))) {
                    batch.add(records.prediction(random.nextInt(3), p));
                }
                task.put(batch);
                i += n;
            }
            for (var e : newest.entrySet()) {
                Map<String, String> h = stored(e.getKey());
                assertThat(h.get("request_id"))
                        .as("round %d, %s", round, e.getKey())
                        .isEqualTo(e.getValue().requestId());
                assertThat(h.get("request_time"))
                        .isEqualTo(Long.toString(e.getValue().requestTime()));
                assertThat(RecommendationJson.decode(h.get("json"))).isEqualTo(e.getValue());
            }
            if (round == 0) {
                assertThat(task.metrics().getRecordsWritten()).isBetween((long) newest.size(), (long) all.size());
                assertThat(task.metrics().getRecordsWritten() + task.metrics().getRecordsSkippedStale())
                        .isEqualTo(all.size());
            } else {
                assertThat(task.metrics().getRecordsWritten())
                        .as("everything is already stored: a replay writes nothing")
                        .isZero();
                assertThat(task.metrics().getRecordsSkippedStale()).isEqualTo(all.size());
            }
        }
    }

    @Test
    void aRepeatedOrOlderPredictionIsANoOpCountedAsStale() {
        RedisSinkTask task = start();
        Struct newer = prediction("r-2", "u", 2_000).struct();
        task.put(List.of(records.prediction(0, newer)));
        // a field the script would drop if it rewrote the hash: proves the repeats below leave it alone
        redis.redis().hset(key("u"), "marker", "untouched");

        task.put(List.of(records.prediction(0, newer)));
        task.put(List.of(records.prediction(0, prediction("r-1", "u", 1_000).struct())));
        task.put(List.of(records.prediction(0, prediction("r-0", "u", 2_000).struct())));

        assertThat(stored("u")).containsEntry("request_id", "r-2").containsEntry("marker", "untouched");
        assertThat(task.metrics().getRecordsWritten()).isEqualTo(1);
        assertThat(task.metrics().getRecordsSkippedStale()).isEqualTo(3);

        task.put(List.of(records.prediction(0, prediction("r-3", "u", 2_000).struct())));
        assertThat(stored("u"))
                .as("a tie on time goes to the larger request id, and the write replaces the whole hash")
                .containsEntry("request_id", "r-3")
                .doesNotContainKey("marker");
    }

    @Test
    void theScriptOrdersLikeFreshnessOnBytesAndOnLongsBeyondADouble() {
        // pairs (first written, then offered) whose order a locale's collation, UTF-16 or doubles would get wrong
        String astral = new String(Character.toChars(0x1F600));
        long big = (1L << 53) + 1;
        Object[][] pairs = {
            {1L, "B", 1L, "a"},
            {1L, "a", 1L, "B"},
            {1L, "\uFF5E", 1L, astral},
            {1L, astral, 1L, "\uFF5E"},
            {1L, "ab", 1L, "abc"},
            {1L, "abc", 1L, "ab"},
            {1L, "é", 1L, "f"},
            {big, "x", big + 1, "a"},
            {big + 1, "a", big, "x"},
            {-5L, "x", -3L, "a"},
            {-10L, "x", -9L, "a"},
            {-9L, "x", -10L, "a"},
            {Long.MAX_VALUE, "a", Long.MAX_VALUE - 1, "z"},
            {Long.MIN_VALUE, "z", Long.MIN_VALUE + 1, "a"},
            {999L, "x", 1000L, "a"},
            {1000L, "a", 999L, "x"},
        };
        RedisSinkTask task = start();
        List<SinkRecord> first = new ArrayList<>(), second = new ArrayList<>();
        for (int i = 0; i < pairs.length; i++) {
            Object[] p = pairs[i];
            first.add(records.prediction(
                    0, prediction((String) p[1], "pair-" + i, (Long) p[0]).struct()));
            second.add(records.prediction(
                    0, prediction((String) p[3], "pair-" + i, (Long) p[2]).struct()));
        }
        task.put(first);
        task.put(second);
        for (int i = 0; i < pairs.length; i++) {
            Object[] p = pairs[i];
            boolean replaces = Freshness.replaces((Long) p[2], (String) p[3], (Long) p[0], (String) p[1]);
            assertThat(stored("pair-" + i).get("request_id"))
                    .as("pair %d: %s", i, java.util.Arrays.toString(p))
                    .isEqualTo(replaces ? p[3] : p[1]);
        }
    }

    @Test
    void ttlIsSetOnBothKeysWhenConfigured() {
        RedisSinkTask task = start(RedisSinkConfig.TTL_SECONDS, "300", RedisSinkConfig.ITEM_SCORES, "true");
        task.put(List.of(records.prediction(0, prediction("r", "u", 1).struct())));
        assertThat(redis.redis().ttl(key("u"))).isBetween(1L, 300L);
        assertThat(redis.redis().ttl(scoresKey("u"))).isBetween(1L, 300L);

        RedisSinkTask noTtl = start();
        noTtl.put(List.of(records.prediction(0, prediction("r", "v", 1).struct())));
        assertThat(redis.redis().ttl(key("v")))
                .as("no TTL: the key lives forever")
                .isEqualTo(-1L);
    }

    @Test
    void itemScoresAreKeptPerItemAndReplacedWholesale() {
        RedisSinkTask task = start(RedisSinkConfig.ITEM_SCORES, "true", RedisSinkConfig.MAX_ITEMS, "2");
        Struct first = prediction("r-1", "u", 1)
                .candidate("a", null, 0.9f, 0.5f, 0.25f)
                .candidate("b", null, 0.9f, 0.5f, 0.5f)
                .candidate("c", null, 0.9f, 0.5f, 0.125f)
                .struct();
        task.put(List.of(records.prediction(0, first)));
        assertThat(redis.redis().hgetall(scoresKey("u")))
                .as("the stored (top max.items) candidates, scored by the objective")
                .containsExactlyInAnyOrderEntriesOf(Map.of("b", "0.5", "a", "0.25"));

        Struct second = prediction("r-2", "u", 2)
                .candidate("d", null, 0.9f, 0.5f, 0.75f)
                .struct();
        task.put(List.of(records.prediction(0, second)));
        assertThat(redis.redis().hgetall(scoresKey("u"))).containsExactlyInAnyOrderEntriesOf(Map.of("d", "0.75"));

        task.put(List.of(records.prediction(0, first)));
        assertThat(redis.redis().hgetall(scoresKey("u")))
                .as("a stale prediction touches neither key")
                .containsExactlyInAnyOrderEntriesOf(Map.of("d", "0.75"));
        List<RankedItem> items =
                RecommendationJson.decode(stored("u").get("json")).items();
        assertThat(items).extracting(RankedItem::itemId).containsExactly("d");
    }

    @Test
    void aTombstoneDeletesTheUsersKeysInBatchOrder() {
        RedisSinkTask task = start(RedisSinkConfig.ITEM_SCORES, "true");
        task.put(List.of(
                records.prediction(0, prediction("r-5", "gone", 5).struct()),
                records.prediction(0, prediction("r-5", "back", 5).struct()),
                records.prediction(0, prediction("r-5", "kept", 5).struct())));
        assertThat(redis.redis().exists(key("gone"), scoresKey("gone"))).isEqualTo(2);

        task.put(List.of(
                records.prediction(0, prediction("r-9", "gone", 9).struct()),
                records.tombstone(0, "gone"),
                records.tombstone(0, "back".getBytes(StandardCharsets.UTF_8)),
                records.prediction(0, prediction("r-1", "back", 1).struct())));

        assertThat(redis.redis().exists(key("gone"), scoresKey("gone")))
                .as("a prediction before the tombstone goes with it")
                .isZero();
        assertThat(stored("back"))
                .as("after a delete even an older prediction is the newest there is")
                .containsEntry("request_id", "r-1");
        assertThat(stored("kept")).containsEntry("request_id", "r-5");
    }

    @Test
    void aForgetDeletesTheRecommendationAndTheItemScores() {
        RedisSinkTask task = start(RedisSinkConfig.ITEM_SCORES, "true");
        task.put(List.of(
                records.prediction(0, prediction("r-5", "forgotten", 5).struct()),
                records.prediction(0, prediction("r-5", "kept", 5).struct())));
        SinkRecord forget = records.tombstone(0, "forgotten");
        forget.headers().addString(ForgetSignal.HEADER, "1");
        task.put(List.of(forget));
        assertThat(redis.redis().exists(key("forgotten"), scoresKey("forgotten")))
                .as("Redis keeps no history: the two keys are all there is of the user")
                .isZero();
        assertThat(redis.redis().exists(key("kept"), scoresKey("kept"))).isEqualTo(2);
    }

    @Test
    void recordsThatAreNotPredictionsGoToTheDeadLetterQueueAndTheRestIsWritten() {
        FakeSinkTaskContext context = new FakeSinkTaskContext(props(), true);
        RedisSinkTask task = start(context);
        SinkRecord noPurchase = records.prediction(
                0,
                prediction("r-1", "bad-stage", 1)
                        .stages("VIEW", "CART")
                        .candidate("i", null, 0.5f, 0.1f)
                        .struct());
        SinkRecord notAStruct = records.record(0, "u", Schema.STRING_SCHEMA, "hello");
        SinkRecord keylessTombstone = records.tombstone(0, null);
        SinkRecord good = records.prediction(0, prediction("r-2", "good", 2).struct());
        redis.redis().set(key("other-type"), "a string, not a hash");
        SinkRecord wrongType =
                records.prediction(0, prediction("r-3", "other-type", 3).struct());

        task.put(List.of(noPurchase, notAStruct, keylessTombstone, good, wrongType));

        assertThat(context.reported()).containsExactly(noPurchase, notAStruct, keylessTombstone, wrongType);
        assertThat(context.reports.get(0).error())
                .isInstanceOf(DataException.class)
                .hasMessageContaining("PURCHASE");
        assertThat(context.reports.get(3).error()).hasMessageContaining("WRONGTYPE");
        assertThat(stored("good")).containsEntry("request_id", "r-2");
        assertThat(redis.redis().exists(key("bad-stage"))).isZero();
        assertThat(task.preCommit(Map.of(new TopicPartition(Records.TOPIC, 0), new OffsetAndMetadata(5))))
                .as("dead-lettered records are done with: their offsets commit")
                .containsEntry(new TopicPartition(Records.TOPIC, 0), new OffsetAndMetadata(5));
    }

    @Test
    void withoutADeadLetterQueueABadRecordFailsTheTask() {
        RedisSinkTask task = start(new FakeSinkTaskContext(props(), false));
        SinkRecord bad = records.record(0, "u", Schema.STRING_SCHEMA, "hello");
        assertThatThrownBy(() -> task.put(List.of(bad)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("errors.tolerance=none");
    }

    @Test
    void preCommitReturnsOnlyOffsetsOfWrittenBatches() {
        RedisSinkTask task = start();
        TopicPartition p0 = new TopicPartition(Records.TOPIC, 0), p1 = new TopicPartition(Records.TOPIC, 1);
        Map<TopicPartition, OffsetAndMetadata> current =
                Map.of(p0, new OffsetAndMetadata(10), p1, new OffsetAndMetadata(10));
        assertThat(task.preCommit(current)).as("nothing written yet").isEmpty();

        task.put(List.of(
                records.prediction(0, prediction("a", "u1", 1).struct()),
                records.prediction(0, prediction("b", "u2", 1).struct()),
                records.prediction(1, prediction("c", "u3", 1).struct())));
        assertThat(task.preCommit(current))
                .containsExactlyInAnyOrderEntriesOf(Map.of(p0, new OffsetAndMetadata(2), p1, new OffsetAndMetadata(1)));

        task.close(List.of(p1));
        assertThat(task.preCommit(current)).containsOnlyKeys(p0);
    }
}
