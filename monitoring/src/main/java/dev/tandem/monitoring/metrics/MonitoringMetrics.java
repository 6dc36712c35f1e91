package dev.tandem.monitoring.metrics;

import dev.tandem.schemas.ModelMetrics;

/** What the topology reports as it runs; {@link MicrometerMonitoringMetrics} exports it to Prometheus. */
public interface MonitoringMetrics {
    /** What became of a prediction read from the predictions topic. */
    enum PredictionFate {
        /** kept until its horizon passes */
        WAITING,
        /** its horizon had passed already: graded at once */
        GRADED,
        /** older than the conversions kept: graded at once as censored */
        TOO_LATE,
        /** cannot be graded (a stage the funnel does not predict, no candidates, NaN…) */
        REFUSED,
        /** a forget (a tombstone with the forget header): the user's waiting predictions were dropped ungraded */
        FORGOTTEN,
        /** the platform's start-up probe of a scoring job (no user was shown it): not graded, not counted in drift */
        PROBE;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** What became of an event read from the events topic. */
    enum EventFate {
        /** a stage after the exposure, kept for grading */
        CONVERSION,
        /** any other valid event: only advances the clock */
        OTHER,
        /** a conversion more than the grace behind the clock (kept, but due outcomes may have missed it) */
        LATE,
        /** a conversion older than anything still waiting: dropped */
        EXPIRED,
        /** fails the events rules (as the features app's dead letters) */
        INVALID;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    void prediction(PredictionFate fate);

    void event(EventFate fate);

    void undecodable(String topic);

    void outcomes(int candidates, boolean censored);

    /** New figures of one model version, stage and window (or total), as written to {@code model-metrics}. */
    void published(ModelMetrics figures);

    /**
     * How far a task's event-time clock (the labels' time) trails the newest request time it has read of a model
     * version, in ms, 0 when it does not; NaN while the task has read no event at all.
     */
    void labelLag(String task, String model, String version, double lagMs);

    /** A task closed (revoked, restarted): what it reported is no longer its to report. */
    void taskClosed(String task);

    MonitoringMetrics NOOP = new MonitoringMetrics() {
        @Override
        public void prediction(PredictionFate fate) {}

        @Override
        public void event(EventFate fate) {}

        @Override
        public void undecodable(String topic) {}

        @Override
        public void outcomes(int candidates, boolean censored) {}

        @Override
        public void published(ModelMetrics figures) {}

        @Override
        public void labelLag(String task, String model, String version, double lagMs) {}

        @Override
        public void taskClosed(String task) {}
    };
}
