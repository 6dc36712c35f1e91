package dev.tandem.connect.redis;

import static dev.tandem.connect.sink.PredictionStructFixture.prediction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.PrivateRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis failing under the task, on a private redis-server (never the shared one) behind a {@link FaultProxy}: the
 * connection cut in the middle of a pipelined batch, the server stopped and restarted, its scripts flushed, the task
 * itself killed and a new one fed from the last commit. After each, what Redis holds per user must be the newest
 * prediction delivered, and a commit may never claim a batch Redis did not acknowledge.
 */
class RedisSinkOutageTest {
    private static final int USERS = 40;
    private static final TopicPartition P0 = new TopicPartition(Records.TOPIC, 0);

    @TempDir
    Path dir;

    private PrivateRedisServer server;
    private FaultProxy proxy;
    private RedisClient direct;
    private StatefulRedisConnection<String, String> directConnection;
    private final List<RedisSinkTask> tasks = new ArrayList<>();
    private final Records records = new Records();

    @BeforeEach
    void startServer() throws Exception {
        server = PrivateRedisServer.startOrSkip(dir);
        proxy = new FaultProxy(server.port());
    }

    @AfterEach
    void stopAll() throws Exception {
        tasks.forEach(RedisSinkTask::stop);
        if (directConnection != null) directConnection.close();
        if (direct != null) direct.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (proxy != null) proxy.close();
        if (server != null) server.close();
    }

    /** Straight to the server, past the proxy; reconnects after a restart. */
    private RedisCommands<String, String> redis() {
        if (direct == null) direct = RedisClient.create(server.uri());
        if (directConnection == null || !directConnection.isOpen()) directConnection = direct.connect();
        return directConnection.sync();
    }

    private RedisSinkTask start(FakeSinkTaskContext context) {
        RedisSinkTask task = new RedisSinkTask();
        task.initialize(context);
        task.start(context.configs());
        tasks.add(task);
        return task;
    }

    private FakeSinkTaskContext context() {
        Map<String, String> p = new HashMap<>();
        p.put("name", "redis-outage-test");
        p.put(RedisSinkConfig.URI, "redis://127.0.0.1:" + proxy.port + "/0");
        p.put(RedisSinkConfig.RETRY_BACKOFF_MS, "100");
        p.put(RedisSinkConfig.RETRY_MAX_BACKOFF_MS, "250");
        p.put(RedisSinkConfig.CONNECT_TIMEOUT_MS, "2000");
        p.put(RedisSinkConfig.ITEM_SCORES, "true");
        return new FakeSinkTaskContext(p, true);
    }

    /** Every user predicted at {@code time}, with enough candidates that one batch is many TCP segments. */
    private List<SinkRecord> generation(long time) {
        List<SinkRecord> batch = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            var b = prediction("req-" + time + "-" + u, "user-" + u, time);
            for (int i = 0; i < 20; i++) b.candidate("item-" + i, 1.0 + i, 0.5f, 0.25f, i / 40f);
            batch.add(records.prediction(0, b.struct()));
        }
        return batch;
    }

    private Map<String, Long> storedTimes() {
        Map<String, Long> times = new HashMap<>();
        for (int u = 0; u < USERS; u++) {
            String t = redis().hget("tandem:rec:user-" + u, "request_time");
            times.put("user-" + u, t == null ? null : Long.parseLong(t));
        }
        return times;
    }

    private static Map<String, Long> all(long time) {
        Map<String, Long> m = new HashMap<>();
        for (int u = 0; u < USERS; u++) m.put("user-" + u, time);
        return m;
    }

    private static Map<TopicPartition, OffsetAndMetadata> upTo(long offset) {
        return Map.of(P0, new OffsetAndMetadata(offset));
    }

    @Test
    void aBatchCutMidwayIsRetriedAfterABackoffAndLandsWhole() {
        FakeSinkTaskContext context = context();
        RedisSinkTask task = start(context);
        task.put(generation(1)); // offsets 0..39
        assertThat(storedTimes()).isEqualTo(all(1));

        List<SinkRecord> second = generation(2); // offsets 40..79
        proxy.cutAfter(6_000);
        assertThatThrownBy(() -> task.put(second)).isInstanceOf(RetriableException.class);
        assertThat(context.timeouts).containsExactly(100L);
        Map<String, Long> partial = storedTimes();
        assertThat(partial.values())
                .as("the cut fell inside the batch: some users got the new prediction, not all")
                .contains(1L, 2L);
        assertThat(task.preCommit(upTo(80)))
                .as("the commit stays at the last batch Redis acknowledged")
                .isEqualTo(upTo(40));

        assertThatThrownBy(() -> task.put(second))
                .as("still down: the same batch fails again, waiting longer")
                .isInstanceOf(RetriableException.class);
        assertThat(context.timeouts).containsExactly(100L, 200L);
        assertThatThrownBy(() -> task.put(second)).isInstanceOf(RetriableException.class);
        assertThat(context.timeouts).as("capped").containsExactly(100L, 200L, 250L);

        proxy.heal();
        task.put(second); // Connect's redelivery of the very same batch
        assertThat(storedTimes()).isEqualTo(all(2));
        assertThat(task.preCommit(upTo(80))).isEqualTo(upTo(80));
        assertThat(task.metrics().getStoreFailures()).isEqualTo(3);
        assertThat(task.metrics().getRecordsSkippedStale())
                .as("what landed before the cut is refused as the same prediction on redelivery")
                .isEqualTo(partial.values().stream().filter(t -> t == 2L).count());
    }

    @Test
    void aRestartedRedisAndAFlushedScriptCacheAreRecoveredFrom() {
        FakeSinkTaskContext context = context();
        RedisSinkTask task = start(context);
        task.put(generation(1));

        server.shutdownSaving();
        List<SinkRecord> second = generation(2);
        assertThatThrownBy(() -> task.put(second)).isInstanceOf(RetriableException.class);
        assertThatThrownBy(() -> task.put(second)).isInstanceOf(RetriableException.class);
        assertThat(context.timeouts).containsExactly(100L, 200L);

        server.start(); // loads the snapshot, but no scripts: the task must load its script again
        task.put(second);
        assertThat(storedTimes()).isEqualTo(all(2));

        redis().scriptFlush(); // on a connection that stays up: only NOSCRIPT tells
        task.put(generation(3));
        assertThat(storedTimes()).isEqualTo(all(3));

        task.put(generation(1));
        assertThat(storedTimes())
                .as("an old batch after all this is still stale")
                .isEqualTo(all(3));
        assertThat(context.timeouts).as("backoff starts over after a success").containsExactly(100L, 200L);
    }

    @Test
    void aKilledTaskReplacedByOneReadingFromTheLastCommitConvergesOnTheNewest() {
        FakeSinkTaskContext context = context();
        RedisSinkTask task = start(context);
        List<SinkRecord> g1 = generation(1), g2 = generation(2), g3 = generation(3);
        task.put(g1);
        Map<TopicPartition, OffsetAndMetadata> committed = task.preCommit(upTo(40));
        task.put(g2);
        proxy.cutAfter(5_000);
        assertThatThrownBy(() -> task.put(g3)).isInstanceOf(RetriableException.class);
        task.stop(); // killed: its last commit was after g1
        tasks.remove(task);

        proxy.heal();
        server.shutdownSaving();
        server.start();
        RedisSinkTask next = start(context());
        assertThat(committed).isEqualTo(upTo(40));
        // a new task resumes from the commit: everything after it again, in order
        next.put(g2);
        next.put(g3);
        assertThat(storedTimes()).isEqualTo(all(3));
    }
}
