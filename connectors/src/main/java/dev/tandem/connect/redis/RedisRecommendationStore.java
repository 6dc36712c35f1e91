package dev.tandem.connect.redis;

import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import dev.tandem.connect.serving.RecommendationStore;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reads what {@link RedisSinkTask} writes: the {@code json} field of {@code {prefix}rec:{user_id}}. One connection,
 * shared by all callers (Lettuce connections are thread-safe), made on first use so the API can start before Redis and
 * report not ready; Lettuce reconnects it after an outage, and while Redis is away calls fail at once.
 */
public final class RedisRecommendationStore implements RecommendationStore {
    private final LettuceClient client;
    private final RedisKeys keys;
    private final Duration timeout;
    private volatile StatefulRedisConnection<String, String> connection;

    public RedisRecommendationStore(RedisURI uri, String keyPrefix, Duration timeout) {
        RedisURI withTimeout = RedisURI.builder(uri).withTimeout(timeout).build();
        this.client = new LettuceClient(withTimeout, timeout, true);
        this.keys = new RedisKeys(keyPrefix);
        this.timeout = timeout;
    }

    /** A store reading what a sink with this config writes (same URI, password and prefix). */
    public static RedisRecommendationStore of(RedisSinkConfig config) {
        return new RedisRecommendationStore(config.redisUri(), config.keyPrefix(), config.commandTimeout());
    }

    /** The default layout ({@code tandem:} prefix) at {@code uri}, answering within 5 s. */
    public static RedisRecommendationStore of(String uri) {
        return of(uri, "tandem:", Duration.ofSeconds(5));
    }

    /** @param uri e.g. {@code redis://127.0.0.1:6379/0}; validated like the sink's {@code redis.uri} */
    public static RedisRecommendationStore of(String uri, String keyPrefix, Duration timeout) {
        return new RedisRecommendationStore(RedisSinkConfig.parseUri("redis.uri", uri), keyPrefix, timeout);
    }

    @Override
    public Optional<Recommendation> latest(String userId) {
        String json = connection().sync().hget(keys.recommendation(userId), RedisKeys.FIELD_JSON);
        return json == null ? Optional.empty() : Optional.of(RecommendationJson.decode(json));
    }

    @Override
    public boolean ready() {
        try {
            return "PONG".equals(connection().async().ping().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return client.describe() + " (prefix '" + keys.prefix() + "')";
    }

    private StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) return c;
        synchronized (this) {
            if (connection == null) connection = client.connect();
            return connection;
        }
    }

    @Override
    public void close() {
        try {
            StatefulRedisConnection<String, String> c = connection;
            if (c != null) c.close();
        } catch (RedisException e) {
            // closing: the client below is shut down either way
        } finally {
            client.close();
        }
    }
}
