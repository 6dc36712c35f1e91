package dev.tandem.connect.redis;

import java.util.Objects;

/**
 * The key layout the sink writes and {@link RedisRecommendationStore} reads, in one place so the two cannot drift:
 * {@code {prefix}rec:{user_id}}, a hash of {@code request_time}, {@code request_id} and {@code json}; and, when item
 * scores are kept, {@code {prefix}rec:{user_id}:scores}, a hash item_id → objective score.
 */
public record RedisKeys(String prefix) {
    public static final String FIELD_REQUEST_TIME = "request_time";
    public static final String FIELD_REQUEST_ID = "request_id";
    public static final String FIELD_JSON = "json";

    public RedisKeys {
        Objects.requireNonNull(prefix, "prefix");
    }

    public String recommendation(String userId) {
        return prefix + "rec:" + userId;
    }

    public String itemScores(String userId) {
        return prefix + "rec:" + userId + ":scores";
    }
}
