package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class EmbeddedKafkaBrokerTest {
    static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) kafka.close();
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
        assertThat(kafka.config().toProperties().getProperty("listeners"))
                .doesNotContain("0.0.0.0")
                .contains("PLAINTEXT://127.0.0.1:" + kafka.port());
    }

    @Test
    void readCommittedSeesCommittedTransactionAndNotAbortedOne() throws Exception {
        String topic = "tx-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test");
        Clients.abortedThenCommitted(p, topic, 10);

        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = Clients.consume(c, topic, 10);
        assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    }

    @Test
    void closeDeletesItsTempDirAndFreesThePort() {
        EmbeddedKafkaBroker other = EmbeddedKafkaBroker.start();
        Path dir = other.logDir();
        assertThat(dir.resolve(KraftBrokerConfig.META_PROPERTIES)).exists();
        other.close();
        assertThat(Files.exists(dir)).isFalse();
        assertThat(LoopbackPorts.awaitFree(other.port(), Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void explicitPortInUseIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(dir, kafka.port()))
                .isInstanceOf(PortInUseException.class)
                .hasMessage("Kafka port " + kafka.port()
                        + " on 127.0.0.1 is already in use; stop the process holding it or choose another port");
    }
}
