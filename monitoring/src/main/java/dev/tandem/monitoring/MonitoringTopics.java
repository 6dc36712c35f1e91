package dev.tandem.monitoring;

import java.util.Objects;

/**
 * The topics of the monitoring app. {@code events} and {@code predictions} are read by one task per partition
 * and must have the same number of partitions, both keyed by user id.
 */
public record MonitoringTopics(String events, String predictions, String outcomes, String metrics) {
    public MonitoringTopics {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(outcomes, "outcomes");
        Objects.requireNonNull(metrics, "metrics");
    }

    public static MonitoringTopics defaults() {
        return new MonitoringTopics(
                MonitoringNames.EVENTS_TOPIC,
                MonitoringNames.PREDICTIONS_TOPIC,
                MonitoringNames.PREDICTION_OUTCOMES_TOPIC,
                MonitoringNames.MODEL_METRICS_TOPIC);
    }
}
