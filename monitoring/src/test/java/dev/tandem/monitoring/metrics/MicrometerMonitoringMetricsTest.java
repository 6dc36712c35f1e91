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
}
