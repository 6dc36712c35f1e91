package dev.tandem.features;

import java.util.Objects;

/**
 * The topics the topology reads and writes.
 *
 * @param itemFeatures     optional (null: item features are kept in the {@code item-stats} store only)
 * @param exposureRequests optional (null: off): score on exposure, a {@code ScoringRequest} per accepted view carrying
 *                         the user's features as of just before it ({@code ExposureRequests})
 */
public record FeatureTopics(
        String events,
        String items,
        String userFeatures,
        String deadLetters,
        String itemFeatures,
        String exposureRequests) {
    public FeatureTopics {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(userFeatures, "userFeatures");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /** The platform's topics, without the optional outputs. */
    public static FeatureTopics defaults() {
        return new FeatureTopics(
                FeatureNames.EVENTS_TOPIC,
                FeatureNames.ITEMS_TOPIC,
                FeatureNames.USER_FEATURES_TOPIC,
                FeatureNames.DEAD_LETTERS_TOPIC,
                null,
                null);
    }

    public FeatureTopics withItemFeatures(String topic) {
        return new FeatureTopics(events, items, userFeatures, deadLetters, topic, exposureRequests);
    }

    public FeatureTopics withExposureRequests(String topic) {
        return new FeatureTopics(events, items, userFeatures, deadLetters, itemFeatures, topic);
    }
}
