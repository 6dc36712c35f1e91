package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The secured set: Kafka TLS and SCRAM reach every Kafka client, secrets stay in Secrets, every pod is fenced. */
class SecurityTest {
    static final List<ObjectNode> SECURED = Chart.render("secured");

    @Test
    void everyPodIsSelectedByANetworkPolicyThatLimitsItsIngressAndEgress() {
        List<ObjectNode> policies = Chart.ofKind(SECURED, "NetworkPolicy");
        List<String> unfenced = new ArrayList<>();
        for (ObjectNode o : SECURED) {
            JsonNode podLabels = Chart.kind(o).equals("FlinkDeployment")
                    ? o.path("spec").path("podTemplate").path("metadata").path("labels")
                    : Chart.podSpec(o) == null
                            ? null
                            : o.path("spec").path("template").path("metadata").path("labels");
            if (podLabels == null) continue;
            Map<String, String> labels = Chart.JSON.convertValue(podLabels, Map.class);
            boolean fenced = policies.stream().anyMatch(p -> {
                Map<String, String> sel = Chart.JSON.convertValue(
                        p.path("spec").path("podSelector").path("matchLabels"), Map.class);
                String t = p.path("spec").path("policyTypes").toString();
                return !sel.isEmpty()
                        && labels.entrySet().containsAll(sel.entrySet())
                        && t.contains("Ingress")
                        && t.contains("Egress");
            });
            if (!fenced) unfenced.add(Chart.kind(o) + " " + Chart.name(o));
        }
        // the hook Jobs are among the pods checked (Chart.HOOKS_AS_JOBS)
        assertThat(SECURED).anySatisfy(o -> assertThat(Chart.component(o)).isEqualTo("topics"));
        assertThat(SECURED).anySatisfy(o -> assertThat(Chart.component(o)).isEqualTo("connectors"));
        assertThat(unfenced).isEmpty();
    }

    @Test
    void everyKafkaClientOfTheAppsUsesSaslSslWithThePasswordFromItsSecret() {
        Map<String, String> protocolVariable = Map.of(
                "features", "TANDEM_STREAMS_SECURITY_PROTOCOL",
                "monitoring", "TANDEM_STREAMS_SECURITY_PROTOCOL",
                "scoring", "TANDEM_KAFKA_SECURITY_PROTOCOL");
        var containers = AppSettingsTest.containersByComponent(SECURED);
        protocolVariable.forEach((component, var) -> {
            JsonNode c = containers.get(component).get(0);
            Map<String, String> env = AppSettingsTest.env(c);
            assertThat(env).as(component).containsEntry(var, "SASL_SSL");
            assertThat(env.get(var.replace("SECURITY_PROTOCOL", "SASL_JAAS_CONFIG")))
                    .as(component)
                    .contains("ScramLoginModule")
                    .contains("password=\"$(KAFKA_SASL_PASSWORD)\"");
            JsonNode password = StreamSupport.stream(c.path("env").spliterator(), false)
                    .filter(e -> e.path("name").asText().equals("KAFKA_SASL_PASSWORD"))
                    .findFirst()
                    .orElseThrow();
            assertThat(password.path("valueFrom")
                            .path("secretKeyRef")
                            .path("name")
                            .asText())
                    .isEqualTo("tandem-kafka");
            // Kubernetes expands $(VAR) only from variables defined earlier in the list
            List<String> names = c.path("env").findValuesAsText("name");
            assertThat(names.indexOf("KAFKA_SASL_PASSWORD"))
                    .as(component)
                    .isLessThan(names.indexOf(var.replace("SECURITY_PROTOCOL", "SASL_JAAS_CONFIG")));
        });
    }

    @Test
    void theConnectWorkerReadsTheKafkaAndStorePasswordsFromTheEnvironmentNotItsConfigMap() {
        String worker = AppSettingsTest.configMapData(SECURED, "connect").get("worker.properties");
        String connector = AppSettingsTest.configMapData(SECURED, "connectors").get("tandem-connect-redis.json");

        for (String prefix : List.of("", "producer.", "consumer.", "admin."))
            assertThat(worker).contains(prefix + "security.protocol=SASL_SSL").contains(prefix + "sasl.jaas.config=");
        assertThat(worker).contains("password=\"${env:KAFKA_SASL_PASSWORD}\"").doesNotContain("$(");
        assertThat(worker)
                .contains("config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        assertThat(connector).contains("\"redis.password\": \"${env:STORE_PASSWORD}\"");
    }

    @Test
    void strimzisConnectorReadsTheStorePasswordThroughStrimzisEnvironmentProvider() {
        List<ObjectNode> strimzi = Chart.render("strimzi");
        JsonNode connector =
                Chart.ofKind(strimzi, "KafkaConnector").get(0).path("spec").path("config");
        JsonNode env = Chart.ofKind(strimzi, "KafkaConnect")
                .get(0)
                .path("spec")
                .path("template")
                .path("connectContainer")
                .path("env")
                .get(0);

        assertThat(connector.path("connection.password").asText()).isEqualTo("${strimzienv:STORE_PASSWORD}");
        assertThat(env.path("name").asText()).isEqualTo("STORE_PASSWORD");
        assertThat(env.path("valueFrom").path("secretKeyRef").path("name").asText())
                .isEqualTo("postgres-tandem");
    }

    @Test
    void thePoliciesLetPrometheusScrapeEveryPortAMonitorScrapes() {
        List<ObjectNode> policies = Chart.ofKind(SECURED, "NetworkPolicy");
        List<ObjectNode> monitors = new ArrayList<>(Chart.ofKind(SECURED, "ServiceMonitor"));
        monitors.addAll(Chart.ofKind(SECURED, "PodMonitor"));
        assertThat(monitors).hasSize(4);
        JsonNode prometheus = Chart.YAML.valueToTree(List.of(Map.of(
                "namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")))));
        for (ObjectNode m : monitors) {
            String component = Chart.component(m);
            int port = Chart.kind(m).equals("PodMonitor")
                    ? m.path("spec")
                            .path("podMetricsEndpoints")
                            .get(0)
                            .path("targetPort")
                            .asInt()
                    : containerPort(
                            component,
                            m.path("spec").path("endpoints").get(0).path("port").asText());
            ObjectNode policy = policies.stream()
                    .filter(p -> Chart.component(p).equals(component))
                    .findFirst()
                    .orElseThrow();
            assertThat(policy.path("spec").path("ingress"))
                    .as("%s's NetworkPolicy lets Prometheus in on %d", component, port)
                    .anySatisfy(rule -> {
                        assertThat(rule.path("from")).isEqualTo(prometheus);
                        assertThat(rule.path("ports").findValuesAsText("port")).contains(Integer.toString(port));
                    });
        }
    }

    @Test
    void theHttpApisTakeTheirBearerTokenFromItsSecretAndPrometheusSendsIt() {
        var containers = AppSettingsTest.containersByComponent(SECURED);
        for (String component : List.of("features", "monitoring", "serving")) {
            JsonNode token = StreamSupport.stream(
                            containers.get(component).get(0).path("env").spliterator(), false)
                    .filter(e -> e.path("name").asText().equals("TANDEM_HTTP_AUTH_TOKEN"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(component + " has no TANDEM_HTTP_AUTH_TOKEN"));
            assertThat(token.has("value")).as(component).isFalse();
            assertThat(token.path("valueFrom").path("secretKeyRef").path("name").asText())
                    .isEqualTo("tandem-http");
            assertThat(token.path("valueFrom").path("secretKeyRef").path("key").asText())
                    .isEqualTo("token");
        }
        List<ObjectNode> monitors = Chart.ofKind(SECURED, "ServiceMonitor");
        assertThat(monitors).hasSize(3).allSatisfy(m -> {
            JsonNode auth = m.path("spec").path("endpoints").get(0).path("authorization");
            assertThat(auth.path("type").asText()).isEqualTo("Bearer");
            assertThat(auth.path("credentials").path("name").asText()).isEqualTo("tandem-http");
        });
        // off by default: no token variable, no authorization on the monitors
        for (var e :
                AppSettingsTest.containersByComponent(Chart.render("defaults")).entrySet())
            for (JsonNode c : e.getValue())
                assertThat(AppSettingsTest.env(c)).as(e.getKey()).doesNotContainKey("TANDEM_HTTP_AUTH_TOKEN");
    }

    private static int containerPort(String component, String name) {
        for (JsonNode c : AppSettingsTest.containersByComponent(SECURED).get(component))
            for (JsonNode p : c.path("ports"))
                if (p.path("name").asText().equals(name))
                    return p.path("containerPort").asInt();
        throw new AssertionError(component + " opens no port " + name);
    }
}
