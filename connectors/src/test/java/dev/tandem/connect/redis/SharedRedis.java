package dev.tandem.connect.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.UUID;

/**
 * The machine's shared Redis (127.0.0.1:6379, or {@code TANDEM_TEST_REDIS_URI}), or a skipped test when none answers.
 * Each instance has its own key prefix, so parallel runs never see each other's keys, and deletes its keys on close.
 */
final class SharedRedis implements AutoCloseable {
    static final String URI = System.getenv().getOrDefault("TANDEM_TEST_REDIS_URI", "redis://127.0.0.1:6379/0");

    final String prefix = "tandem-test:" + UUID.randomUUID() + ":";
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private SharedRedis(RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.client = client;
        this.connection = connection;
    }

    /** Why the first attempt found no Redis: later tests skip at once instead of trying again. */
    private static volatile String unreachable;

    static SharedRedis connectOrSkip() {
        assumeTrue(unreachable == null, unreachable);
        RedisURI uri = RedisURI.create(URI);
        uri.setTimeout(Duration.ofSeconds(5));
        RedisClient client = RedisClient.create(uri);
        try {
            StatefulRedisConnection<String, String> c = client.connect();
            return new SharedRedis(client, c);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            unreachable = "no Redis answers at " + URI + " (" + e.getMessage() + "): skipped";
            assumeTrue(false, unreachable);
            throw new AssertionError("unreachable");
        }
    }

    RedisCommands<String, String> redis() {
        return connection.sync();
    }

    @Override
    public void close() {
        try {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis().scan(
                                cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
                if (!page.getKeys().isEmpty()) redis().del(page.getKeys().toArray(String[]::new));
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
