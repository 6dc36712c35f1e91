package dev.tandem.monitoring.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring app on a secured broker: under its own principal (its grant names only predictions and events in,
 * outcomes, metrics and dead letters out, and what lives under its application id) it runs; under another
 * component's principal, or with a wrong password, it stops instead of running without rights. Its whole job under
 * its principal is shown by {@code tandem chaos --secure}.
 */
@Timeout(120)
class MonitoringSecureIT {
    private static final String APP_ID = "tandem-monitoring-secure-it";

    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .secured(List.of(
                    KafkaAcls.monitoring(KafkaAcls.MONITORING, APP_ID),
                    KafkaAcls.features(KafkaAcls.FEATURES, "tandem-features")));

    @TempDir
    Path tmp;

    @Test
    void underItsOwnPrincipalTheAppRuns() {
        try (MonitoringApp app =
                new MonitoringApp(config(CLUSTER.clientProperties(KafkaAcls.MONITORING), "own")).start()) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> app.streams().state() == KafkaStreams.State.RUNNING || !app.isHealthy());
            assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    void underAnotherComponentsPrincipalTheAppStops() {
        // the features app's principal reads events too, but owns nothing under the monitoring app's id
        try (MonitoringApp app =
                new MonitoringApp(config(CLUSTER.clientProperties(KafkaAcls.FEATURES), "other")).start()) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !app.isHealthy());
            assertThat(app.streams().state()).isIn(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR);
        }
    }

    @Test
    void withAWrongPasswordTheAppStops() {
        Map<String, String> wrong = CLUSTER.security().clientProperties(KafkaAcls.MONITORING, "not-the-password");
        try (MonitoringApp app = new MonitoringApp(config(wrong, "wrong")).start()) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !app.isHealthy());
            assertThat(app.streams().state()).isIn(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR);
        }
    }

    private MonitoringConfig config(Map<String, String> client, String stateDir) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(MonitoringConfig.APPLICATION_ID, APP_ID);
        s.put(MonitoringConfig.BOOTSTRAP_SERVERS, CLUSTER.bootstrapServers());
        s.put(MonitoringConfig.SCHEMA_REGISTRY_URL, CLUSTER.registryUrl());
        s.put(MonitoringConfig.STATE_DIR, tmp.resolve(stateDir).toString());
        s.put(MonitoringConfig.HTTP_PORT, "0");
        client.forEach((k, v) -> s.put(MonitoringConfig.STREAMS_PREFIX + k, v));
        return MonitoringConfig.fromMap(s);
    }
}
