package dev.tandem.connect.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.sink.PredictionStructFixture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis sink with an ACL user of its own, as a production Redis runs it: a user made for the test on the shared
 * Redis, allowed every command but only keys under the test's prefix, with a password the sink takes from its URI.
 */
class RedisSinkAclTest {
    private SharedRedis redis;
    private String user;
    private String password;
    private final List<RedisSinkTask> tasks = new ArrayList<>();
    private final Records records = new Records();

    @BeforeEach
    void aclUser() {
        redis = SharedRedis.connectOrSkip();
        user = "tandem-acl-test-" + UUID.randomUUID();
        password = UUID.randomUUID().toString();
        redis.redis()
                .aclSetuser(
                        user,
                        io.lettuce.core.AclSetuserArgs.Builder.on()
                                .addPassword(password)
                                .keyPattern(redis.prefix + "*")
                                .allCommands());
    }

    @AfterEach
    void cleanUp() {
        tasks.forEach(RedisSinkTask::stop);
        if (redis != null) {
            redis.redis().aclDeluser(user);
            redis.close();
        }
    }

    /** The shared Redis's URI with {@code user:password@} (ACL AUTH, Redis 6+). */
    private static String uri(String user, String password) {
        int at = SharedRedis.URI.indexOf("://") + 3;
        return SharedRedis.URI.substring(0, at) + user + ":" + password + "@" + SharedRedis.URI.substring(at);
    }

    private RedisSinkTask start(String uri, String prefix) {
        Map<String, String> p = new HashMap<>();
        p.put("name", "redis-acl-test-" + redis.prefix);
        p.put(RedisSinkConfig.URI, uri);
        p.put(RedisSinkConfig.KEY_PREFIX, prefix);
        p.put(RedisSinkConfig.RETRY_BACKOFF_MS, "50");
        FakeSinkTaskContext context = new FakeSinkTaskContext(p, true);
        RedisSinkTask task = new RedisSinkTask();
        task.initialize(context);
        task.start(context.configs());
        tasks.add(task);
        return task;
    }

    @Test
    void theSinkWritesUnderItsOwnUser() {
        RedisSinkTask task = start(uri(user, password), redis.prefix);

        task.put(List.of(records.prediction(
                0, PredictionStructFixture.prediction("r-1", "u-1", 1_000).struct())));

        assertThat(redis.redis().hgetall(new RedisKeys(redis.prefix).recommendation("u-1")))
                .containsEntry("request_id", "r-1");
    }

    /** A permanent refusal stops the task with Redis's reason, not an endless retry that looks like an outage. */
    @Test
    void aWrongPasswordFailsTheTaskWithTheReason() {
        RedisSinkTask task = start(uri(user, "not-the-password"), redis.prefix);

        assertThatThrownBy(() -> task.put(List.of(records.prediction(
                        0,
                        PredictionStructFixture.prediction("r-1", "u-1", 1_000).struct()))))
                .isInstanceOf(ConnectException.class)
                .isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("refuses the sink: WRONGPASS")
                .hasMessageNotContaining(password);
    }

    @Test
    void keysOutsideTheUsersPatternAreRefusedWithTheReason() {
        RedisSinkTask task = start(uri(user, password), "tandem-acl-other:" + UUID.randomUUID() + ":");

        assertThatThrownBy(() -> task.put(List.of(records.prediction(
                        0,
                        PredictionStructFixture.prediction("r-1", "u-1", 1_000).struct()))))
                .isInstanceOf(ConnectException.class)
                .isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("refuses the sink: NOPERM");
    }
}
