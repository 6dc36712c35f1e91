package dev.tandem.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The topics of the monitoring app. {@code events}, {@code predictions} and {@code shadowPredictions} are read by one
 * task per partition and must have the same number of partitions, all keyed by user id.
 *
 * @param shadowPredictions the challenger's predictions (the scoring job's SHADOW version), graded like
 *                          {@code predictions} and flagged as shadow on their outcomes; empty: not read
 */
public record MonitoringTopics(
        String events, String predictions, String outcomes, String metrics, String shadowPredictions) {
    public MonitoringTopics {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(outcomes, "outcomes");
        Objects.requireNonNull(metrics, "metrics");
        shadowPredictions = shadowPredictions == null ? "" : shadowPredictions.trim();
        if (!shadowPredictions.isEmpty()) {
            // one source reads them all: a shared name would make a shadow record indistinguishable from the other
            for (String other : List.of(events, predictions, outcomes, metrics)) {
                if (other.equals(shadowPredictions)) {
                    throw new IllegalArgumentException(
                            "the shadow predictions topic must differ from the other topics, was " + other);
                }
            }
        }
    }

    /** Without shadow predictions. */
    public MonitoringTopics(String events, String predictions, String outcomes, String metrics) {
        this(events, predictions, outcomes, metrics, "");
    }

    public static MonitoringTopics defaults() {
        return new MonitoringTopics(
                MonitoringNames.EVENTS_TOPIC,
                MonitoringNames.PREDICTIONS_TOPIC,
                MonitoringNames.PREDICTION_OUTCOMES_TOPIC,
                MonitoringNames.MODEL_METRICS_TOPIC,
                MonitoringNames.PREDICTIONS_SHADOW_TOPIC);
    }

    /** A copy reading these shadow predictions ({@code ""}: none). */
    public MonitoringTopics withShadowPredictions(String topic) {
        return new MonitoringTopics(events, predictions, outcomes, metrics, topic);
    }

    public boolean readsShadow() {
        return !shadowPredictions.isEmpty();
    }

    /** Whether records of {@code topic} are predictions, the champion's or the challenger's. */
    public boolean isPredictions(String topic) {
        return topic.equals(predictions) || isShadow(topic);
    }

    public boolean isShadow(String topic) {
        return readsShadow() && topic.equals(shadowPredictions);
    }

    /** What the app reads, joined partition by partition: events first, then the predictions. */
    public List<String> inputs() {
        List<String> in = new ArrayList<>(List.of(events, predictions));
        if (readsShadow()) in.add(shadowPredictions);
        return List.copyOf(in);
    }

    /** Every topic the app reads or writes (not its internal ones): what must exist before it starts. */
    public List<String> all() {
        List<String> all = new ArrayList<>(inputs());
        all.add(outcomes);
        all.add(metrics);
        return List.copyOf(all);
    }
}
