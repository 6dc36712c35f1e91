package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.server.InMemorySchemaStore;
import dev.tandem.schemas.registry.server.RegistryApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart's registry: one pod that every app is pointed at, probes on paths the server answers, Kafka security
 * under the prefix RegistryApp passes to its clients, and NetworkPolicies letting the release's pods in; or, with
 * {@code schemaRegistry.deploy: false} (the minimal set), none of it and the external URL everywhere.
 */
class RegistryChartTest {
    static final String IN_CLUSTER_URL = "http://tandem-registry." + Chart.NAMESPACE + ".svc:8081";

    static ObjectNode registryDeployment(List<ObjectNode> objects) {
        return Chart.ofKind(objects, "Deployment").stream()
                .filter(d -> Chart.component(d).equals("registry"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no registry Deployment"));
    }

    static JsonNode container(ObjectNode deployment) {
        return Chart.podSpec(deployment).path("containers").get(0);
    }

    /** Every registry URL the apps are handed: the apps' variable, the Connect worker's, Strimzi's connector's. */
    static List<String> registryUrls(List<ObjectNode> objects) {
        List<String> urls = new ArrayList<>();
        AppSettingsTest.containersByComponent(objects).forEach((component, containers) -> {
            for (JsonNode c : containers) {
                String url = AppSettingsTest.env(c).get("TANDEM_SCHEMA_REGISTRY_URL");
                if (url != null) urls.add(component + " " + url);
            }
        });
        for (ObjectNode k : Chart.ofKind(objects, "KafkaConnector")) {
            urls.add("KafkaConnector "
                    + k.path("spec")
                            .path("config")
                            .path("value.converter.schema.registry.url")
                            .asText());
        }
        return urls;
    }

    @Test
    void byDefaultOneRegistryPodServesEveryAppThroughItsService() {
        List<ObjectNode> objects = Chart.render("defaults");
        ObjectNode d = registryDeployment(objects);
        assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(d.path("spec").path("strategy").path("type").asText()).isEqualTo("Recreate");
        ObjectNode service = Chart.ofKind(objects, "Service").stream()
                .filter(s -> Chart.component(s).equals("registry"))
                .findFirst()
                .orElseThrow();
        assertThat(Chart.name(service) + "." + Chart.NAMESPACE).isEqualTo("tandem-registry." + Chart.NAMESPACE);
        assertThat(service.path("spec").path("ports").get(0).path("port").asInt())
                .isEqualTo(RegistryApp.DEFAULT_PORT);

        List<String> urls = registryUrls(objects);
        assertThat(urls)
                .hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(u -> assertThat(u).endsWith(" " + IN_CLUSTER_URL));
        assertThat(Chart.ofKind(objects, "ConfigMap").toString()).contains(IN_CLUSTER_URL);
    }

    @Test
    void theRegistryContainerLoadsAsRegistryAppSettingsListeningWhereItsPortAndProbesAre() throws Exception {
        JsonNode c = container(registryDeployment(Chart.render("defaults")));
        Map<String, String> env = AppSettingsTest.env(c);
        Settings settings = RegistryApp.load(null, env);
        assertThat(settings.string(RegistryApp.HTTP_HOST)).isEqualTo("0.0.0.0");
        assertThat(settings.integer(RegistryApp.HTTP_PORT))
                .isEqualTo(c.path("ports").get(0).path("containerPort").asInt());
        assertThat(settings.string(RegistryApp.TOPIC)).isEqualTo("_schemas");
        assertThat(settings.bool(RegistryApp.REGISTER_SCHEMAS)).isTrue();
        assertThat(c.has("command") || c.has("args")).isFalse();

        // The probes' paths, asked of a real server with the container's settings (on a free loopback port).
        Map<String, String> local = new java.util.HashMap<>(env);
        local.put(Settings.envName(RegistryApp.HTTP_HOST), "127.0.0.1");
        local.put(Settings.envName(RegistryApp.HTTP_PORT), "0");
        try (RegistryApp app = RegistryApp.start(RegistryApp.load(null, local), new InMemorySchemaStore())) {
            HttpClient http = HttpClient.newHttpClient();
            for (String probe : List.of("readinessProbe", "livenessProbe")) {
                String path = c.path(probe).path("httpGet").path("path").asText();
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(app.url() + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(probe + " " + path).isEqualTo(200);
            }
        }
    }

    @Test
    void securedTheRegistryReachesKafkaWithTheSameTlsAndScramAsTheApps() {
        List<ObjectNode> objects = Chart.render("secured");
        JsonNode c = container(registryDeployment(objects));
        Map<String, String> kafka =
                RegistryApp.load(null, AppSettingsTest.env(c)).withPrefix(RegistryApp.KAFKA_PREFIX);
        assertThat(kafka)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.type", "PEM")
                .containsKey("sasl.jaas.config");
        assertThat(AppSettingsTest.env(c)).containsEntry("KAFKA_SASL_PASSWORD", "<valueFrom>");
        assertThat(c.path("volumeMounts").findValuesAsText("mountPath")).contains("/etc/tandem/kafka-ca");
    }

    @Test
    void securedOnlyTheReleasesPodsAndTheNamedClientsReachTheRegistryWhichReachesOnlyDnsAndKafka() {
        List<ObjectNode> objects = Chart.render("secured");
        ObjectNode policy = Chart.ofKind(objects, "NetworkPolicy").stream()
                .filter(p -> Chart.component(p).equals("registry"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no registry NetworkPolicy"));
        JsonNode ingress = policy.path("spec").path("ingress");
        assertThat(ingress).hasSize(1);
        JsonNode from = ingress.get(0).path("from");
        JsonNode release = from.get(0).path("podSelector").path("matchLabels");
        assertThat(release.size()).isEqualTo(2);
        assertThat(release.path("app.kubernetes.io/instance").asText()).isEqualTo(Chart.RELEASE);
        assertThat(from.get(1)
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app")
                        .asText())
                .isEqualTo("schema-tools");
        assertThat(ingress.get(0).path("ports").get(0).path("port").asInt()).isEqualTo(8081);
        // egress: DNS and the brokers, not the registry's own port
        assertThat(policy.path("spec").path("egress").toString()).doesNotContain("8081");

        // and the apps' egress names the registry's pods rather than the external registry's peers
        ObjectNode features = Chart.ofKind(objects, "NetworkPolicy").stream()
                .filter(p -> Chart.component(p).equals("features"))
                .findFirst()
                .orElseThrow();
        assertThat(features.path("spec").path("egress").toString())
                .contains("\"app.kubernetes.io/component\":\"registry\"")
                .doesNotContain("schema-registry");
    }

    @Test
    void withAnExternalRegistryNothingOfOursIsDeployedAndItsUrlIsEverywhere() {
        List<ObjectNode> objects = Chart.render("minimal");
        assertThat(objects).noneMatch(o -> Chart.component(o).equals("registry"));
        assertThat(registryUrls(objects))
                .isNotEmpty()
                .allSatisfy(u -> assertThat(u).endsWith(" https://schema-registry.kafka:8081"));
    }
}
