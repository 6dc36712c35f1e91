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

    private static Set<String> topicNames(DevCluster cluster) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            return admin.listTopics().names().get();
        }
    }
}
