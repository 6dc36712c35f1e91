package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.METRIC_FEATURE_PSI;
import static dev.tandem.monitoring.MonitoringNames.METRIC_LABEL_LAG;
import static dev.tandem.monitoring.MonitoringNames.METRIC_SCORE_PSI;
import static dev.tandem.monitoring.streams.MonitoringFixture.MIN;
import static dev.tandem.monitoring.streams.MonitoringFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.monitoring.PromtoolRulesTest;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.monitoring.core.ModelCards;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.FeatureDrift;
import dev.tandem.schemas.ModelMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift test: a replay whose predictions carry shifted prices (as the replay's scorer reads them from a log
 * whose prices went up) or shifted scores raises the PSI of that input or stage above 0.25 against the model
 * card's reference, in the published figures and in the gauges; predictions drawn like the validation period stay
 * near 0; a card without a drift section gives no PSI. The scrape then feeds {@code promtool test rules}, which
 * must fire the drift and label-lag alerts.
 *
 * <p>Versions of one model, each with the same validation period in its card: v1 unshifted, v2 with prices and the
 * user's carts (an input the prediction carries in {@code user_inputs}) × 3,
 * v3 with PURCHASE probabilities × 3, v0 with an old card. 1,000 predictions of 2 candidates each per version
 * over 50 minutes of one window; the events stop after 10 minutes, so the labels trail the predictions by 40.
 */
class DriftTopologyTest {
    static final int PREDICTIONS = 1_000;
    static final long STEP_MS = 3_000;

    @TempDir
    Path tmp;

    PrometheusMeterRegistry registry;
    MonitoringFixture fx;
    final long window = MetricKey.windowStart(T0, 3_600_000);

    @BeforeEach
    void replay() throws IOException {
        DriftReference reference = DriftFixtures.reference(20_000, 1);
        Path cards = tmp.resolve("models");
        for (String v : List.of("v1", "v2", "v3")) DriftFixtures.writeCard(cards, "funnel", v, reference);
        DriftFixtures.writeCard(cards, "funnel", "v0", null);
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        fx = new MonitoringFixture(
                MonitoringFixture.OPTIONS, registry, new ModelCards(List.of(cards), Duration.ofMinutes(1)));

        Random r = new Random(5);
        Map<String, DriftFixtures.Shift> versions = Map.of(
                "v0",
                DriftFixtures.Shift.NONE,
                "v1",
                DriftFixtures.Shift.NONE,
                "v2",
                new DriftFixtures.Shift(3, 1),
                "v3",
                new DriftFixtures.Shift(1, 3));
        for (int i = 0; i < PREDICTIONS; i++) {
            long t = T0 + i * STEP_MS;
            String user = "u" + (i % 50);
            if (t <= T0 + 10 * MIN && i % 10 == 0) fx.event("e" + i, user, "seen" + i, Action.VIEW, t);
            for (String v : List.of("v0", "v1", "v2", "v3")) {
                fx.predictions.pipeInput(
                        user, DriftFixtures.prediction(r, v + "-r" + i, user, v, t, 2, versions.get(v)));
            }
        }
        publish();
    }

    @AfterEach
    void close() {
        fx.close();
    }

    /** One interval for the drift counts to be flushed and routed, one for the figures to be published. */
    void publish() {
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
    }

    Map<String, ModelMetrics> latest() {
        return fx.metrics.readKeyValuesToList().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value, (a, b) -> b));
    }

    static FeatureDrift feature(ModelMetrics m, String name) {
        return m.getFeatureDrift().stream()
                .filter(f -> f.getFeature().equals(name))
                .findFirst()
                .orElseThrow();
    }

    double gauge(String name, String version, String tag, String value) {
        var g = registry.find(name)
                .tag(MonitoringNames.TAG_VERSION, version)
                .tag(tag, value)
                .tag(MonitoringNames.TAG_WINDOW, MonitoringNames.WINDOW_CURRENT)
                .gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Test
    void shiftedPricesOrScoresRaiseThePsiAboveTheCriticalThresholdAndUnshiftedOnesStayNearZero() {
        Map<String, ModelMetrics> latest = latest();
        ModelMetrics v1 = latest.get(new MetricKey("funnel", "v1", "CART", window).encode());
        ModelMetrics v2 = latest.get(new MetricKey("funnel", "v2", "CART", window).encode());
        ModelMetrics v3 = latest.get(new MetricKey("funnel", "v3", "PURCHASE", window).encode());
        assertThat(v1.getScored()).as("every candidate, counted when read").isEqualTo(2 * PREDICTIONS);
        assertThat(v1.getPositives() + v1.getNegatives() + v1.getCensored())
                .as("nothing graded yet: the labels trail")
                .isZero();
        assertThat(v1.getAuc()).isNull();

        // unshifted: noise only (about 10 / 2,000)
        assertThat(v1.getScorePsi()).isLessThan(0.05);
        assertThat(feature(v1, DriftFeatures.CANDIDATE_PRICE).getPsi()).isLessThan(0.05);
        assertThat(feature(v1, DriftFeatures.USER_RECENCY_HOURS).getPsi()).isLessThan(0.05);
        assertThat(feature(v1, DriftFeatures.CANDIDATE_PRICE).getCount()).isEqualTo(2 * PREDICTIONS);
        assertThat(feature(v1, DriftFeatures.CANDIDATE_PRICE).getMissing()).isBetween(50L, 150L); // 5 % unknown
        assertThat(feature(v1, DriftFeatures.USER_RECENCY_HOURS).getCount())
                .as("one per request")
                .isEqualTo(PREDICTIONS);
        assertThat(feature(v1, DriftFixtures.CARTS).getPsi()).isLessThan(0.05);
        assertThat(feature(v1, DriftFixtures.CARTS).getCount())
                .as("one per request")
                .isEqualTo(PREDICTIONS);

        // prices × 3: the price drifts, the scores (which this replay does not recompute) do not
        assertThat(feature(v2, DriftFeatures.CANDIDATE_PRICE).getPsi()).isGreaterThan(0.25);
        assertThat(v2.getScorePsi()).isLessThan(0.05);
        assertThat(feature(v2, DriftFeatures.USER_RECENCY_HOURS).getPsi()).isLessThan(0.05);
        assertThat(feature(v2, DriftFixtures.CARTS).getPsi()).as("carts × 3").isGreaterThan(0.25);
        // PURCHASE probabilities × 3: that stage drifts, CART and the inputs do not
        assertThat(v3.getScorePsi()).isGreaterThan(0.25);
        assertThat(latest.get(new MetricKey("funnel", "v3", "CART", window).encode())
                        .getScorePsi())
                .isLessThan(0.05);
        assertThat(feature(v3, DriftFeatures.CANDIDATE_PRICE).getPsi()).isLessThan(0.05);

        // the total is the one window's counts; an old card gives no drift, only the figures of the scores as read
        ModelMetrics total = latest.get(new MetricKey("funnel", "v2", "CART", MetricKey.TOTAL).encode());
        assertThat(total.getScored()).isEqualTo(v2.getScored());
        assertThat(feature(total, DriftFeatures.CANDIDATE_PRICE).getPsi())
                .isEqualTo(feature(v2, DriftFeatures.CANDIDATE_PRICE).getPsi());
        ModelMetrics v0 = latest.get(new MetricKey("funnel", "v0", "CART", window).encode());
        assertThat(v0.getScorePsi()).isNull();
        assertThat(v0.getFeatureDrift()).isEmpty();
        assertThat(v0.getScored()).isEqualTo(2 * PREDICTIONS);
        assertThat(v0.getExpectedAuc()).isEqualTo(v1.getExpectedAuc(), within(0.02)); // drawn alike

        // gauges: the current window's figures
        assertThat(gauge(METRIC_FEATURE_PSI, "v2", MonitoringNames.TAG_FEATURE, DriftFeatures.CANDIDATE_PRICE))
                .isEqualTo(feature(v2, DriftFeatures.CANDIDATE_PRICE).getPsi());
        assertThat(gauge(METRIC_SCORE_PSI, "v3", MonitoringNames.TAG_STAGE, "PURCHASE"))
                .isEqualTo(v3.getScorePsi());
        assertThat(registry.find(METRIC_SCORE_PSI)
                        .tag(MonitoringNames.TAG_VERSION, "v0")
                        .gauges())
                .isEmpty();
        assertThat(registry.find(MonitoringNames.METRIC_AUC).gauges())
                .as("no outcome yet: no figures gauges")
                .isEmpty();

        assertThat(fx.store(MonitoringNames.DRIFT_PARTIALS_STORE).approximateNumEntries())
                .as("partials are sent and deleted every interval")
                .isZero();
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(fx.metrics.isEmpty()).as("nothing new, nothing published").isTrue();
    }

    @Test
    void theLabelLagIsHowFarTheEventClockTrailsTheNewestRequest() {
        long lastRequest = T0 + (PREDICTIONS - 1) * STEP_MS;
        long clock = T0 + 10 * MIN; // the last event
        for (String v : List.of("v0", "v1", "v2", "v3")) {
            assertThat(registry.get(METRIC_LABEL_LAG)
                            .tag(MonitoringNames.TAG_VERSION, v)
                            .gauge()
                            .value())
                    .as("version %s, with or without a reference", v)
                    .isEqualTo((lastRequest - clock) / 1000.0);
        }
        fx.event("late", "u1", "x", Action.VIEW, lastRequest + MIN);
        fx.driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(registry.get(METRIC_LABEL_LAG)
                        .tag(MonitoringNames.TAG_VERSION, "v1")
                        .gauge()
                        .value())
                .as("the events caught up")
                .isZero();
    }

    @Test
    void onceGradedAWindowCarriesItsOutcomeFiguresAndItsDriftTogether() {
        ModelMetrics before = latest().get(new MetricKey("funnel", "v2", "CART", window).encode());
        fx.event("end", "u0", "x", Action.VIEW, T0 + 3 * 60 * MIN); // every prediction due: all negatives
        publish();
        ModelMetrics after = latest().get(new MetricKey("funnel", "v2", "CART", window).encode());
        assertThat(after.getNegatives()).isEqualTo(2 * PREDICTIONS);
        assertThat(after.getScored()).isEqualTo(before.getScored());
        assertThat(after.getFeatureDrift()).isEqualTo(before.getFeatureDrift());
        assertThat(registry.get(MonitoringNames.METRIC_NEGATIVES)
                        .tag(MonitoringNames.TAG_VERSION, "v2")
                        .tag(MonitoringNames.TAG_STAGE, "CART")
                        .tag(MonitoringNames.TAG_WINDOW, MonitoringNames.WINDOW_CURRENT)
                        .gauge()
                        .value())
                .isEqualTo(2 * PREDICTIONS);
    }

    /**
     * The Done-when of the drift item: the app's own scrape after the shifted replay, held for an hour as the input
     * of {@code promtool test rules}, fires TandemFeatureDrift for v2's price, TandemScoreDrift for v3's PURCHASE
     * scores and TandemLabelLag for every version, and nothing for v1. Skipped without promtool on the PATH.
     */
    @Test
    void theScrapeOfTheShiftedReplayFiresTheDriftAlertsInPromtool() throws Exception {
        Optional<Path> promtool = PromtoolRulesTest.promtool();
        assumeThat(promtool).as("promtool on the PATH").isPresent();
        List<String> series = new ArrayList<>();
        Map<String, Double> values = new java.util.HashMap<>();
        for (String line : registry.scrape().split("\n")) {
            if (line.startsWith("#")) continue;
            if (!line.startsWith("tandem_monitoring_score_psi")
                    && !line.startsWith("tandem_monitoring_scored")
                    && !line.startsWith("tandem_monitoring_feature_")
                    && !line.startsWith("tandem_monitoring_psi_threshold")
                    && !line.startsWith("tandem_monitoring_label_lag_seconds")) continue;
            int space = line.lastIndexOf(' ');
            String selector = line.substring(0, space);
            String value = line.substring(space + 1);
            selector = selector.endsWith("}")
                    ? selector.substring(0, selector.length() - 1) + ",job=\"monitoring\"}"
                    : selector + "{job=\"monitoring\"}";
            series.add("      - series: '" + selector + "'\n        values: '" + value + "x60'\n");
            values.put(selector, Double.parseDouble(value));
        }
        double pricePsi = values.get(
                "tandem_monitoring_feature_psi{feature=\"cand_price\",model=\"funnel\",version=\"v2\",window=\"current\",job=\"monitoring\"}");
        double cartsPsi = values.get(
                "tandem_monitoring_feature_psi{feature=\"user_cart_1d\",model=\"funnel\",version=\"v2\",window=\"current\",job=\"monitoring\"}");
        double purchasePsi = values.get(
                "tandem_monitoring_score_psi{model=\"funnel\",stage=\"PURCHASE\",version=\"v3\",window=\"current\",job=\"monitoring\"}");
        double lag =
                values.get("tandem_monitoring_label_lag_seconds{model=\"funnel\",version=\"v1\",job=\"monitoring\"}");
        assertThat(pricePsi).isGreaterThan(0.25);
        assertThat(lag).isGreaterThan(1800);

        StringBuilder yaml = new StringBuilder();
        yaml.append("rule_files:\n  - ")
                .append(Path.of("alerts/tandem-monitoring-rules.yml").toAbsolutePath())
                .append("\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
        series.forEach(yaml::append);
        yaml.append("    alert_rule_test:\n");
        yaml.append(String.format(Locale.ROOT, """
                      - eval_time: 31m
                        alertname: TandemFeatureDrift
                        exp_alerts:
                          - exp_labels: {severity: warning, job: monitoring, model: funnel, version: v2, feature: cand_price, window: current}
                            exp_annotations:
                              summary: "Input cand_price of funnel v2 drifted: PSI %.3f"
                              description: "The values of model input cand_price read with the predictions of model funnel version v2 in the current window have been at or above the critical PSI (drift.psi.critical) against the model card's validation-period bins for 30 minutes (at least 500 values). The model may no longer see what it was trained on."
                          - exp_labels: {severity: warning, job: monitoring, model: funnel, version: v2, feature: user_cart_1d, window: current}
                            exp_annotations:
                              summary: "Input user_cart_1d of funnel v2 drifted: PSI %.3f"
                              description: "The values of model input user_cart_1d read with the predictions of model funnel version v2 in the current window have been at or above the critical PSI (drift.psi.critical) against the model card's validation-period bins for 30 minutes (at least 500 values). The model may no longer see what it was trained on."
                      - eval_time: 31m
                        alertname: TandemScoreDrift
                        exp_alerts:
                          - exp_labels: {severity: warning, job: monitoring, model: funnel, version: v3, stage: PURCHASE, window: current}
                            exp_annotations:
                              summary: "Scores of funnel v3 at PURCHASE drifted: PSI %.3f"
                              description: "The predicted probabilities of model funnel version v3 for stage PURCHASE in the current window have been at or above the critical PSI (drift.psi.critical) against the model card's validation-period histogram for 30 minutes (at least 500 candidates). Look at tandem_monitoring_feature_psi for the inputs that moved."
                      - eval_time: 31m
                        alertname: TandemDriftWarning
                        exp_alerts: []
                      - eval_time: 16m
                        alertname: TandemLabelLag
                        exp_alerts:
                """, pricePsi, cartsPsi, purchasePsi));
        for (String v : List.of("v0", "v1", "v2", "v3")) {
            yaml.append(String.format(Locale.ROOT, """
                              - exp_labels: {severity: warning, job: monitoring, model: funnel, version: %s}
                                exp_annotations:
                                  summary: "Labels of funnel %s trail its predictions by %s"
                                  description: "The event-time clock the monitoring app grades on trails the newest request time of model funnel version %s by more than 30 minutes, for 15 minutes: the events topic stalls or lags behind the predictions, so outcomes wait."
                    """, v, v, humanizeDuration(lag), v));
        }
        Path tests = Files.writeString(tmp.resolve("drift-alerts-test.yml"), yaml.toString());
        assertThat(PromtoolRulesTest.run(promtool.get(), "test", "rules", tests.toString()))
                .as("generated tests:%n%s", yaml)
                .contains("SUCCESS");
    }

    /** Prometheus' {@code humanizeDuration} for a duration of a minute or more. */
    static String humanizeDuration(double seconds) {
        long v = (long) seconds;
        long s = v % 60;
        long m = v / 60 % 60;
        long h = v / 3600 % 24;
        long d = v / 86_400;
        if (d > 0) return d + "d " + h + "h " + m + "m " + s + "s";
        if (h > 0) return h + "h " + m + "m " + s + "s";
        return m + "m " + s + "s";
    }
}
