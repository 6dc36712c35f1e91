package dev.tandem.schemas.topics;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Every topic name of the platform, in one place, with the partitions and configs the
 * architecture asks for. Keyed-by-entity topics whose latest value is the truth are compacted.
 */
public final class TandemTopics {
    public static final String EVENTS = "events";
    public static final String ITEMS = "items";
    public static final String USER_FEATURES = "user-features";
    public static final String SCORING_REQUESTS = "scoring-requests";
    public static final String PREDICTIONS = "predictions";
    public static final String PREDICTIONS_SHADOW = "predictions-shadow";
    public static final String MODEL_CONTROL = "model-control";
    /** One PredictionOutcome per (request, candidate), written by monitoring; key user_id. */
    public static final String PREDICTION_OUTCOMES = "prediction-outcomes";

    public static final String MODEL_METRICS = "model-metrics";
    public static final String DEAD_LETTERS = "dead-letters";
    /** The schema registry's own log; compacted so every schema id survives forever. */
    public static final String SCHEMAS = "_schemas";

    public static final int DEFAULT_PARTITIONS = 4;

    private static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact");
    private static final Map<String, String> DELETE = Map.of("cleanup.policy", "delete");

    private TandemTopics() {}

    /**
     * The Avro value schema of each data topic, as the apps' serdes write them (keys are plain strings, and
     * {@code dead-letters} keeps the original bytes, so neither has a schema). With the default
     * {@code TopicNameStrategy} a topic's subject is {@code <topic>-value}.
     */
    public static Map<String, Schema> valueSchemas() {
        Map<String, Schema> m = new LinkedHashMap<>();
        m.put(EVENTS, UserEvent.getClassSchema());
        m.put(ITEMS, ItemMetadata.getClassSchema());
        m.put(USER_FEATURES, UserFeatures.getClassSchema());
        m.put(SCORING_REQUESTS, ScoringRequest.getClassSchema());
        m.put(PREDICTIONS, Prediction.getClassSchema());
        m.put(PREDICTIONS_SHADOW, Prediction.getClassSchema());
        m.put(MODEL_CONTROL, ModelControl.getClassSchema());
        m.put(PREDICTION_OUTCOMES, PredictionOutcome.getClassSchema());
        m.put(MODEL_METRICS, ModelMetrics.getClassSchema());
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The data topics of the platform, each with {@code partitions} partitions. */
    public static List<TopicSpec> all(int partitions) {
        return List.of(
                new TopicSpec(EVENTS, partitions, DELETE),
                new TopicSpec(ITEMS, partitions, COMPACTED),
                new TopicSpec(USER_FEATURES, partitions, COMPACTED),
                new TopicSpec(SCORING_REQUESTS, partitions, DELETE),
                new TopicSpec(PREDICTIONS, partitions, DELETE),
                new TopicSpec(PREDICTIONS_SHADOW, partitions, DELETE),
                // One partition: every scoring subtask reads every command in the same order.
                new TopicSpec(MODEL_CONTROL, 1, DELETE),
                new TopicSpec(PREDICTION_OUTCOMES, partitions, DELETE),
                new TopicSpec(MODEL_METRICS, 1, DELETE),
                new TopicSpec(DEAD_LETTERS, partitions, DELETE));
    }

    /** The registry's log: one partition keeps a total order of registrations, like Confluent's. */
    public static TopicSpec schemasTopic() {
        return new TopicSpec(SCHEMAS, 1, COMPACTED);
    }
}
