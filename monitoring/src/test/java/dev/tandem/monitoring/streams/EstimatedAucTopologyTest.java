package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.streams.MonitoringFixture.MIN;
import static dev.tandem.monitoring.streams.MonitoringFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.UserEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The estimated AUC before labels: predictions read with no model card at all (no drift reference) give an
 * {@code expected_auc} and {@code expected_base_rate} per stage as soon as they are counted, while every outcome is
 * still pending; once the users' events grade them, a calibrated version's realized AUC and base rate land on the
 * estimates, and an over-confident one's (the same ranking, probabilities pushed to the extremes) fall short of them.
 *
 * <p>{@value #REQUESTS} requests of 2 candidates per version over 50 minutes of one window. v1 is calibrated: each
 * candidate reaches CART with its CART probability and PURCHASE with its PURCHASE one (a PURCHASE event, or else a
 * CART event, a minute after the request). v2's labels are drawn the same way, but the probabilities it publishes are
 * those with their log-odds doubled.
 */
class EstimatedAucTopologyTest {
    static final int REQUESTS = 1_500;
    static final long STEP_MS = 2_000;

    MonitoringFixture fx;
    final long window = MetricKey.windowStart(T0, 3_600_000);
    final List<UserEvent> conversions = new ArrayList<>();

    @BeforeEach
    void readThePredictionsOnly() {
        fx = new MonitoringFixture(MonitoringFixture.OPTIONS, new SimpleMeterRegistry());
        Random r = new Random(11);
        for (int i = 0; i < REQUESTS; i++) {
            long t = T0 + i * STEP_MS;
            String user = "u" + (i % 50);
            for (String v : List.of("v1", "v2")) {
                List<CandidateScore> candidates = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    String item = v + "-r" + i + "-i" + c;
                    double cart = sigmoid(-1 + 1.5 * r.nextGaussian());
                    double purchase = cart * sigmoid(-0.5 + r.nextGaussian());
                    double u = r.nextDouble();
                    if (u < cart) {
                        conversions.add(MonitoringFixture.event(
                                "c-" + item, user, item, u < purchase ? Action.PURCHASE : Action.CART, t + MIN, "c1"));
                    }
                    float[] published = v.equals("v1")
                            ? new float[] {(float) cart, (float) purchase}
                            : new float[] {(float) sharpened(cart), (float) sharpened(purchase)};
                    candidates.add(new CandidateScore(item, List.of(published[0], published[1]), null));
                }
                fx.predictions.pipeInput(user, MonitoringFixture.prediction(v + "-r" + i, user, t, v, candidates));
            }
        }
        publish();
    }

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void theEstimateIsPublishedBeforeAnyLabelAndACalibratedVersionsRealizedFiguresLandOnIt() {
        Map<String, ModelMetrics> pending = latest();
        for (String stage : List.of("CART", "PURCHASE")) {
            for (String v : List.of("v1", "v2")) {
                ModelMetrics m = pending.get(new MetricKey("funnel", v, stage, window).encode());
                assertThat(m.getPositives() + m.getNegatives() + m.getCensored())
                        .as("labels pending")
                        .isZero();
                assertThat(m.getAuc()).isNull();
                assertThat(m.getScored())
                        .as("every candidate, without a model card")
                        .isEqualTo(2 * REQUESTS);
                assertThat(m.getExpectedAuc()).isBetween(0.6, 0.95);
                assertThat(m.getScorePsi()).as("no reference: no PSI").isNull();
                ModelMetrics total = pending.get(new MetricKey("funnel", v, stage, MetricKey.TOTAL).encode());
                assertThat(total.getExpectedAuc()).as("one window: the total").isEqualTo(m.getExpectedAuc());
                assertThat(gauge(MonitoringNames.METRIC_EXPECTED_AUC, v, stage)).isEqualTo(m.getExpectedAuc());
                assertThat(gauge(MonitoringNames.METRIC_EXPECTED_BASE_RATE, v, stage))
                        .isEqualTo(m.getExpectedBaseRate());
            }
            ModelMetrics v1 = pending.get(new MetricKey("funnel", "v1", stage, window).encode());
            ModelMetrics v2 = pending.get(new MetricKey("funnel", "v2", stage, window).encode());
            assertThat(v2.getExpectedAuc())
                    .as("over-confident scores promise more")
                    .isGreaterThan(v1.getExpectedAuc());
        }
        assertThat(fx.meters.find(MonitoringNames.METRIC_AUC).gauges())
                .as("no outcome yet")
                .isEmpty();
        assertThat(fx.meters.find(MonitoringNames.METRIC_SCORE_PSI).gauges())
                .as("no reference: no PSI gauge")
                .isEmpty();

        for (UserEvent e : conversions) fx.events.pipeInput(e.getUserId(), e);
        fx.event("end", "u0", "x", Action.VIEW, T0 + 3 * 60 * MIN); // every prediction due
        publish();
        Map<String, ModelMetrics> graded = latest();
        for (String stage : List.of("CART", "PURCHASE")) {
            ModelMetrics before = pending.get(new MetricKey("funnel", "v1", stage, window).encode());
            ModelMetrics v1 = graded.get(new MetricKey("funnel", "v1", stage, window).encode());
            ModelMetrics v2 = graded.get(new MetricKey("funnel", "v2", stage, window).encode());
            assertThat(v1.getPositives() + v1.getNegatives()).isEqualTo(2 * REQUESTS);
            assertThat(v1.getExpectedAuc()).as("the estimate stays").isEqualTo(before.getExpectedAuc());
            // calibrated: within the sampling error of the realized figures (~0.01–0.02 for the AUC here)
            assertThat(v1.getAuc()).as("v1 %s realized AUC", stage).isCloseTo(v1.getExpectedAuc(), within(0.03));
            assertThat(v1.getBaseRate())
                    .as("v1 %s realized base rate", stage)
                    .isCloseTo(v1.getExpectedBaseRate(), within(0.02));
            // over-confident: the same ranking as v1's draws, so a realized AUC like v1's, short of its promise
            assertThat(v2.getAuc()).isCloseTo(v1.getAuc(), within(0.04));
            assertThat(v2.getExpectedAuc() - v2.getAuc())
                    .as("v2 %s: estimate above realized", stage)
                    .isGreaterThan(0.05);
            assertThat(gauge(MonitoringNames.METRIC_AUC, "v1", stage)).isEqualTo(v1.getAuc());

            // the alert's like-for-like pair: the estimate over the graded candidates themselves (here every
            // candidate read, so the estimate over those read) against the realized AUC, in its standard errors
            for (ModelMetrics m : List.of(v1, v2)) {
                assertThat(m.getGradedExpectedAuc()).isCloseTo(m.getExpectedAuc(), within(1e-9));
                assertThat(m.getAucStandardError()).isBetween(0.005, 0.03);
            }
            assertThat(Math.abs(v1.getAuc() - v1.getGradedExpectedAuc()))
                    .as("v1 %s: calibrated, within three standard errors", stage)
                    .isLessThan(3 * v1.getAucStandardError());
            assertThat(v2.getGradedExpectedAuc() - v2.getAuc())
                    .as("v2 %s: over-confident, beyond three standard errors and 0.03", stage)
                    .isGreaterThan(Math.max(3 * v2.getAucStandardError(), 0.03));
            assertThat(gauge(MonitoringNames.METRIC_GRADED_EXPECTED_AUC, "v2", stage))
                    .isEqualTo(v2.getGradedExpectedAuc());
            assertThat(gauge(MonitoringNames.METRIC_AUC_STANDARD_ERROR, "v2", stage))
                    .isEqualTo(v2.getAucStandardError());
        }
    }

    /** One interval for the counts to be flushed and routed, one for the figures to be published. */
    void publish() {
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
    }

    Map<String, ModelMetrics> latest() {
        return fx.metrics.readKeyValuesToList().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value, (a, b) -> b));
    }

    double gauge(String name, String version, String stage) {
        var g = fx.meters
                .find(name)
                .tag(MonitoringNames.TAG_VERSION, version)
                .tag(MonitoringNames.TAG_STAGE, stage)
                .tag(MonitoringNames.TAG_WINDOW, MonitoringNames.WINDOW_CURRENT)
                .gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** The probability with its log-odds doubled: the same order, further from ½. */
    static double sharpened(double p) {
        return sigmoid(2 * Math.log(p / (1 - p)));
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
