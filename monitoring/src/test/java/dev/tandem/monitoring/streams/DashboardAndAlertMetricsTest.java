package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.streams.MonitoringFixture.MIN;
import static dev.tandem.monitoring.streams.MonitoringFixture.T0;
import static dev.tandem.monitoring.streams.MonitoringTopologyTest.p;
import static dev.tandem.monitoring.streams.MonitoringTopologyTest.scores;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.monitoring.core.DriftReferences;
import dev.tandem.schemas.Action;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every metric the Grafana dashboard and the alert rules query is one the app exports: the names are scraped from
 * a Prometheus registry after the topology has read predictions, events and an unreadable record and published its
 * figures, so a renamed meter breaks this test rather than a panel.
 */
class DashboardAndAlertMetricsTest {
    static final Path DASHBOARD = Path.of("grafana/tandem-monitoring.json");
    static final Path RULES = Path.of("alerts/tandem-monitoring-rules.yml");

    static Set<String> exported;

    @BeforeAll
    static void scrapeTheApp() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DriftReference reference = DriftFixtures.reference(1_000, 1);
        try (MonitoringFixture fx = new MonitoringFixture(MonitoringFixture.OPTIONS, registry, new DriftReferences() {
            @Override
            public DriftReference find(String model, String version) {
                return reference;
            }

            @Override
            public OptionalDouble cardAuc(String model, String version, String stage) {
                return OptionalDouble.of(0.8);
            }
        })) {
            for (int i = 0; i < 20; i++) {
                long t = T0 + i * MIN;
                fx.predict("r" + i, "u" + (i % 3), t, "v1", scores("i" + i, p(0.5f, 0.2f)));
                if (i % 2 == 0) fx.event("c" + i, "u" + (i % 3), "i" + i, Action.PURCHASE, t + MIN);
            }
            fx.event("end", "u0", "x", Action.VIEW, T0 + 120 * MIN);
            fx.rawPredictions.pipeInput("u9", "not avro".getBytes(StandardCharsets.UTF_8));
            fx.driver.advanceWallClockTime(Duration.ofSeconds(10)); // drift counts sent
            fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
            assertThat(fx.metrics.readValuesToList()).as("figures published").isNotEmpty();
            exported = sampleNames(registry.scrape());
        }
        assertThat(exported)
                .as("the scrape holds the figures and counters")
                .contains(
                        "tandem_monitoring_auc",
                        "tandem_monitoring_predictions_total",
                        "tandem_monitoring_score_psi",
                        "tandem_monitoring_expected_auc",
                        "tandem_monitoring_expected_base_rate",
                        "tandem_monitoring_feature_psi",
                        "tandem_monitoring_label_lag_seconds",
                        "tandem_monitoring_card_auc");
    }

    /** The metric names of the samples of a Prometheus text exposition. */
    static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(line);
            if (m.find()) names.add(m.group());
        }
        return names;
    }

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GRAFANA_VARIABLES = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern BRACES = Pattern.compile("\\{[^}]*}|\\[[^]]*]");
    private static final Pattern LABEL_LISTS =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    /** A number or duration (consumed whole, so {@code 5m} is not read as {@code m}), or an identifier. */
    private static final Pattern TOKENS = Pattern.compile("(\\d[\\w.]*)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "offset",
            "bool",
            "and",
            "or",
            "unless",
            "atan2",
            "inf",
            "nan",
            "Inf",
            "NaN");

    /**
     * The metric names a PromQL expression selects: identifiers outside strings, label matchers, ranges and label
     * lists, that are neither keywords nor called (functions and aggregations).
     */
    static Set<String> metricNames(String expr) {
        String s = STRINGS.matcher(expr).replaceAll(" ");
        s = GRAFANA_VARIABLES.matcher(s).replaceAll(" ");
        s = BRACES.matcher(s).replaceAll(" ");
        s = LABEL_LISTS.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = TOKENS.matcher(s);
        while (m.find()) {
            String id = m.group(2);
            if (id == null || m.group(3) != null || KEYWORDS.contains(id)) continue;
            names.add(id);
        }
        return names;
    }

    @Test
    void theTokenizerFindsMetricsOnly() {
        assertThat(
                        metricNames(
                                "sum by (fate) (rate(tandem_monitoring_predictions_total{job=~\"$job\",fate!=\"x y\"}[$__rate_interval]))"))
                .containsExactly("tandem_monitoring_predictions_total");
        assertThat(metricNames("a_b{x=\"1\"} < 0.65 and on(model) b:c offset 5m > bool 1e3 unless absent(d)"))
                .containsExactly("a_b", "b:c", "d");
        assertThat(metricNames("deriv(x[${__rate_interval}]) + ignoring (window) y"))
                .containsExactly("x", "y");
    }

    @Test
    void everyDashboardQueryUsesExportedMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 39); // Grafana 9.x–10.x
        List<String> exprs = new ArrayList<>();
        collectPanelExprs(dashboard.path("panels"), exprs);
        assertThat(exprs).hasSizeGreaterThan(10);
        for (String expr : exprs) {
            Set<String> used = metricNames(expr);
            assertThat(used).as("metrics of %s", expr).isNotEmpty();
            assertThat(exported).as("exported metrics, used by %s", expr).containsAll(used);
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String query = v.path("definition").asText("");
            if (v.path("type").asText().equals("query")) {
                Matcher m = Pattern.compile("label_values\\((.*),\\s*\\w+\\)").matcher(query);
                assertThat(m.matches())
                        .as("variable %s: %s", v.path("name"), query)
                        .isTrue();
                assertThat(exported).containsAll(metricNames(m.group(1)));
            }
        }
    }

    private static void collectPanelExprs(JsonNode panels, List<String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode t : panel.path("targets")) {
                assertThat(t.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
                exprs.add(t.path("expr").asText());
            }
            collectPanelExprs(panel.path("panels"), exprs); // collapsed rows
        }
    }

    @Test
    void everyAlertRuleUsesExportedMetrics() throws IOException {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
        int n = 0;
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String expr = rule.path("expr").asText();
                Set<String> used = metricNames(expr);
                assertThat(used).as("metrics of %s", rule.path("alert")).isNotEmpty();
                assertThat(exported)
                        .as("exported metrics, used by %s", rule.path("alert"))
                        .containsAll(used);
                assertThat(rule.path("labels").path("severity").asText()).isNotEmpty();
                assertThat(rule.path("annotations").path("summary").asText()).isNotEmpty();
                assertThat(rule.path("annotations").path("description").asText())
                        .isNotEmpty();
                n++;
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(10);
    }
}
