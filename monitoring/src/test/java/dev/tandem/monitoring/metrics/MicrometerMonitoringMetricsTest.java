package dev.tandem.monitoring.metrics;

import static dev.tandem.monitoring.MonitoringNames.METRIC_RELIABILITY_COUNT;
import static dev.tandem.monitoring.MonitoringNames.METRIC_RELIABILITY_OBSERVED;
import static dev.tandem.monitoring.MonitoringNames.METRIC_RELIABILITY_PREDICTED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.ReliabilityBin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicrometerMonitoringMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerMonitoringMetrics metrics = new MicrometerMonitoringMetrics(registry);

    private static ModelMetrics total(List<ReliabilityBin> bins) {
        return ModelMetrics.newBuilder()
                .setModelName("funnel")
                .setModelVersion("v2")
                .setStage("CART")
                .setWindow("total")
                .setReliability(bins)
                .setPositives(3)
                .setNegatives(7)
                .setUpdatedAt(Instant.ofEpochMilli(1_000))
                .build();
    }

    private static ReliabilityBin bin(double lower, long count, Double predicted, Double observed) {
        return ReliabilityBin.newBuilder()
                .setLower(lower)
                .setUpper(lower + 0.1)
                .setCount(count)
                .setMeanPredicted(predicted)
                .setObservedRate(observed)
                .build();
    }

    private double gauge(String name, int bin) {
        return registry.get(name)
                .tag("model", "funnel")
                .tag("version", "v2")
                .tag("stage", "CART")
                .tag("window", "total")
                .tag("bin", Integer.toString(bin))
                .gauge()
                .value();
    }

    @Test
    void theReliabilityCurveIsExportedPerBinAndFollowsTheLatestFigures() {
        metrics.published(total(List.of(bin(0.0, 6, 0.04, 0.0), bin(0.1, 4, 0.13, 0.25))));

        assertThat(gauge(METRIC_RELIABILITY_PREDICTED, 1)).isEqualTo(0.13);
        assertThat(gauge(METRIC_RELIABILITY_OBSERVED, 1)).isEqualTo(0.25);
        assertThat(gauge(METRIC_RELIABILITY_COUNT, 0)).isEqualTo(6);

        // newer figures replace the old ones; an empty bin has no mean, and a bin the figures lack reads NaN
        metrics.published(total(List.of(bin(0.0, 9, null, null))));

        assertThat(gauge(METRIC_RELIABILITY_COUNT, 0)).isEqualTo(9);
        assertThat(gauge(METRIC_RELIABILITY_PREDICTED, 0)).isNaN();
        assertThat(gauge(METRIC_RELIABILITY_OBSERVED, 1)).isNaN();
    }

    private static ModelMetrics window(String version, long startMs, long outcomes, Long scored, Double psi) {
        return ModelMetrics.newBuilder()
                .setModelName("funnel")
                .setModelVersion(version)
                .setStage("CART")
                .setWindow("tumbling")
                .setWindowStart(Instant.ofEpochMilli(startMs))
                .setWindowEnd(Instant.ofEpochMilli(startMs + 3_600_000))
                .setPositives(outcomes)
                .setNegatives(0)
                .setUpdatedAt(Instant.ofEpochMilli(1_000))
                .setScored(scored == null ? 0 : scored)
                .setScorePsi(psi)
                .setFeatureDrift(
                        scored == null
                                ? List.of()
                                : List.of(new dev.tandem.schemas.FeatureDrift("cand_price", scored, 0L, psi)))
                .build();
    }

    private double current(String name, String version, String tag, String value) {
        var g = registry.find(name)
                .tag("version", version)
                .tag(tag, value)
                .tag("window", "current")
                .gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Test
    void driftOfANewerWindowDoesNotHideTheOutcomesOfAnOlderOne() {
        long older = 0;
        long newer = 3_600_000;
        metrics.published(window("v1", older, 5, null, null)); // graded outcomes, no drift
        metrics.published(window("v1", newer, 0, 900L, 0.3)); // predictions read, nothing graded yet
        assertThat(current("tandem.monitoring.positives", "v1", "stage", "CART"))
                .as("the figures' current window: the newest with outcomes")
                .isEqualTo(5);
        assertThat(current("tandem.monitoring.score.psi", "v1", "stage", "CART"))
                .isEqualTo(0.3);
        assertThat(current("tandem.monitoring.scored", "v1", "stage", "CART")).isEqualTo(900);
        assertThat(current("tandem.monitoring.feature.psi", "v1", "feature", "cand_price"))
                .isEqualTo(0.3);
        assertThat(current("tandem.monitoring.feature.samples", "v1", "feature", "cand_price"))
                .isEqualTo(900);
        metrics.published(window("v1", older, 6, 500L, 0.9)); // the older window graded further
        assertThat(current("tandem.monitoring.positives", "v1", "stage", "CART"))
                .isEqualTo(6);
        assertThat(current("tandem.monitoring.score.psi", "v1", "stage", "CART"))
                .as("not the current drift window")
                .isEqualTo(0.3);
    }

    @Test
    void theLabelLagIsTheLargestOfTheTasksAndLeavesWithThem() {
        metrics.labelLag("0_0", "funnel", "v1", 60_000);
        metrics.labelLag("0_1", "funnel", "v1", 240_000);
        metrics.labelLag("0_2", "funnel", "v1", Double.NaN); // a task that read no event yet
        var lag =
                registry.get("tandem.monitoring.label.lag").tag("version", "v1").gauge();
        assertThat(lag.value()).isEqualTo(240);
        metrics.taskClosed("0_1");
        assertThat(lag.value()).isEqualTo(60);
        metrics.taskClosed("0_0");
        assertThat(lag.value()).isNaN();
    }

    @Test
    void theThresholdsAreGauges() {
        assertThat(registry.get("tandem.monitoring.psi.threshold")
                        .tag("level", "warning")
                        .gauge()
                        .value())
                .isEqualTo(0.1);
        assertThat(registry.get("tandem.monitoring.psi.threshold")
                        .tag("level", "critical")
                        .gauge()
                        .value())
                .isEqualTo(0.25);
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        new MicrometerMonitoringMetrics(other, new MicrometerMonitoringMetrics.DriftThresholds(0.2, 0.5));
        assertThat(other.get("tandem.monitoring.psi.threshold")
                        .tag("level", "critical")
                        .gauge()
                        .value())
                .isEqualTo(0.5);
    }
}
