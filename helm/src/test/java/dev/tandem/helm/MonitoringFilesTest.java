package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The PrometheusRule and the dashboard are the monitoring module's files, read from there (the chart gets them
 * by the build's copy): what is rendered must be exactly what monitoring/ holds and tests.
 */
class MonitoringFilesTest {
    static final Path MONITORING = Chart.MODULE.resolve("../monitoring").normalize();

    @Test
    void thePrometheusRuleHoldsTheMonitoringModulesRules() throws IOException {
        ObjectNode rule = Chart.ofKind(Chart.render("gpu"), "PrometheusRule").get(0);
        JsonNode rules = Chart.YAML.readTree(
                MONITORING.resolve("alerts/tandem-monitoring-rules.yml").toFile());

        assertThat(rule.path("spec")).isEqualTo(rules);
        assertThat(rule.path("spec").path("groups")).isNotEmpty();
        assertThat(Typed.unknownFields(Typed.parse(rule))).isEmpty();
    }

    @Test
    void theDashboardConfigMapHoldsTheMonitoringModulesDashboardForGrafanasSidecar() throws IOException {
        ObjectNode cm = Chart.ofKind(Chart.render("gpu"), "ConfigMap").stream()
                .filter(c -> c.path("metadata").path("labels").has("grafana_dashboard"))
                .findFirst()
                .orElseThrow();
        String dashboard = Files.readString(MONITORING.resolve("grafana/tandem-monitoring.json"));

        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText())
                .isEqualTo("1");
        assertThat(Chart.JSON.readTree(
                        cm.path("data").path("tandem-monitoring.json").asText()))
                .isEqualTo(Chart.JSON.readTree(dashboard));
    }

    @Test
    void theServiceMonitorsScrapeAPortTheirServicesExpose() {
        var objects = Chart.render("gpu");
        var monitors = Chart.ofKind(objects, "ServiceMonitor");
        assertThat(monitors).hasSize(3);
        for (ObjectNode m : monitors) {
            String port = m.path("spec").path("endpoints").get(0).path("port").asText();
            assertThat(Chart.ofKind(objects, "Service"))
                    .as("a Service with port %s matched by ServiceMonitor %s", port, Chart.name(m))
                    .anySatisfy(s -> {
                        assertThat(Chart.JSON.convertValue(s.path("metadata").path("labels"), java.util.Map.class))
                                .containsAllEntriesOf(Chart.JSON.convertValue(
                                        m.path("spec").path("selector").path("matchLabels"), java.util.Map.class));
                        assertThat(s.path("spec").path("ports").findValuesAsText("name"))
                                .contains(port);
                    });
        }
    }
}
