package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class DevClusterTest {
    static final Schema EVENT = SchemaBuilder.record("Evt")
            .namespace("test")
            .fields()
            .requiredString("id")
            .endRecord();

    @TempDir
    Path dataDir;

    @Test
    void defaultsAreTheDocumentedOnes() {
        DevCluster.Config d = DevCluster.Config.defaults();
        assertThat(d).isEqualTo(new DevCluster.Config(Path.of(".tandem", "dev-cluster"), 9092, 8081, 4, true));
    }

    @Test
    void childProcessClusterServesTopicsAndRegistryAndKeepsThemAcrossRestarts() throws Exception {
        DevCluster.Config cfg = new DevCluster.Config(dataDir, 0, 0, 2, true);
        int id;
        long pid;
        try (DevCluster cluster = DevCluster.start(cfg)) {
            assertThat(cluster.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(cluster.registryUrl()).matches("http://127\\.0\\.0\\.1:\\d+");
            assertThat(topicNames(cluster))
                    .containsAll(
                            DevCluster.topics(2).stream().map(TopicSpec::name).toList());
            try (SchemaRegistryClient client = SchemaRegistryClients.forUrl(cluster.registryUrl(), Map.of())) {
                id = client.register("evt-value", EVENT);
            }
            pid = ((KafkaBrokerProcess) cluster.broker()).pid();

            assertThatThrownBy(() -> DevCluster.start(cfg))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("dev cluster already running (pid " + pid + ") in "
                            + dataDir.toAbsolutePath().normalize());
            cluster.close();
            cluster.close(); // idempotent
        }
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();

        // Same dir, broker now in-process: the data (topics, schema ids) is the same data.
        try (DevCluster again = DevCluster.start(cfg.withChildProcess(false));
                SchemaRegistryClient client = SchemaRegistryClients.forUrl(again.registryUrl(), Map.of())) {
            assertThat(client.getSchemaById(id)).isEqualTo(EVENT);
            assertThat(topicNames(again)).contains(TandemTopics.EVENTS, TandemTopics.SCHEMAS);
        }
    }

    @Test
    void aTakenPortIsAOneLineError() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> DevCluster.start(new DevCluster.Config(dataDir, port, 0, 1, true)))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("Kafka port " + port
                            + " on 127.0.0.1 is already in use; stop the process holding it or choose another port");
            assertThatThrownBy(() -> DevCluster.start(new DevCluster.Config(dataDir, 0, port, 1, false)))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageStartingWith("Schema registry port " + port + " on 127.0.0.1 is already in use")
                    .hasMessageNotContaining("\n");
        }
    }

    @Test
    void aSecuredClusterGivesEachComponentItsOwnSettingsAndOnlyItsOwnTopics() throws Exception {
        DevCluster.Config cfg = new DevCluster.Config(dataDir, 0, 0, 1, false, true);
        String toolsPassword;
        try (DevCluster cluster = DevCluster.start(cfg)) {
            Path security = dataDir.resolve(DevCluster.SECURITY_DIR);
            assertThat(security.resolve("features.properties")).exists();
            java.util.Properties tools = clientFile(security.resolve("tools.properties"));
            toolsPassword = tools.getProperty("sasl.jaas.config");
            assertThat(tools.getProperty("security.protocol")).isEqualTo("SASL_SSL");
            // the CLI tools' principal writes events; the features app's cannot forge a prediction
            try (var p = producer(cluster, tools)) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TandemTopics.EVENTS, "u", "e"))
                        .get();
            }
            try (var p = producer(cluster, clientFile(security.resolve("features.properties")))) {
                assertThatThrownBy(() -> p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                                        TandemTopics.PREDICTIONS, "u", "forged"))
                                .get())
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
            }
            // the registry writes its log under its own principal, and serves HTTPS to clients with its password
            assertThat(cluster.registryUrl()).startsWith("https://");
            Map<String, String> registrySettings = new java.util.TreeMap<>();
            tools.stringPropertyNames().stream()
                    .filter(k -> k.startsWith("schema.registry.") || k.startsWith("basic.auth."))
                    .forEach(k -> registrySettings.put(k, tools.getProperty(k)));
            try (SchemaRegistryClient registry =
                    SchemaRegistryClients.forUrl(cluster.registryUrl(), registrySettings)) {
                assertThat(registry.register("events-value", EVENT)).isPositive();
            }
            Reachability.requireRegistry(cluster.registryUrl(), registrySettings, Duration.ofSeconds(5));
            Map<String, String> noPassword = new java.util.TreeMap<>(registrySettings);
            noPassword.remove("basic.auth.user.info");
            noPassword.remove("basic.auth.credentials.source");
            assertThatThrownBy(() ->
                            Reachability.requireRegistry(cluster.registryUrl(), noPassword, Duration.ofSeconds(5)))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("refuses requests without credentials (HTTP 401)");
            Map<String, String> wrongPassword = new java.util.TreeMap<>(registrySettings);
            wrongPassword.put("basic.auth.user.info", KafkaSecurity.REGISTRY_HTTP_USER + ":wrong");
            assertThatThrownBy(() ->
                            Reachability.requireRegistry(cluster.registryUrl(), wrongPassword, Duration.ofSeconds(5)))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("refuses these credentials (HTTP 401)");
            assertThatThrownBy(
                            () -> Reachability.requireRegistry(cluster.registryUrl(), Map.of(), Duration.ofSeconds(5)))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("over TLS")
                    .hasMessageContaining("schema.registry.ssl.truststore.location");
        }
        // a restart keeps the credentials the storage was formatted with
        try (DevCluster again = DevCluster.start(cfg)) {
            assertThat(clientFile(dataDir.resolve(DevCluster.SECURITY_DIR).resolve("tools.properties"))
                            .getProperty("sasl.jaas.config"))
                    .isEqualTo(toolsPassword);
        }
    }

    @Test
    void aClusterCreatedWithoutSecurityIsNotSecuredLater() {
        DevCluster.Config plain = new DevCluster.Config(dataDir, 0, 0, 1, false);
        DevCluster.start(plain).close();
        assertThatThrownBy(() -> DevCluster.start(plain.withSecure(true)))
                .hasMessageContaining("was created without security");
    }

    private static java.util.Properties clientFile(Path file) throws Exception {
        java.util.Properties p = new java.util.Properties();
        try (var r = java.nio.file.Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    private static org.apache.kafka.clients.producer.KafkaProducer<String, String> producer(
            DevCluster cluster, java.util.Properties client) {
        java.util.Properties p = new java.util.Properties();
        p.putAll(client);
        p.put("bootstrap.servers", cluster.bootstrapServers());
        p.put("max.block.ms", "10000");
        return new org.apache.kafka.clients.producer.KafkaProducer<>(
                p,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer());
    }

    private static Set<String> topicNames(DevCluster cluster) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            return admin.listTopics().names().get();
        }
    }
}
