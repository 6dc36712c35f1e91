package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker secured by {@link KafkaSecurity} (TLS + SCRAM-SHA-512, StandardAuthorizer) with {@link KafkaAcls}' grants:
 * a component reaches its own topics under its own principal, and is refused with a wrong password, without TLS, or
 * on a topic its grant does not name.
 */
@Timeout(120)
class SecureBrokerTest {
    static Path dir;
    static KafkaSecurity security;
    static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("secure-broker-");
        security = KafkaSecurity.inDirectory(dir.resolve("security"), List.of("features", "scoring", "tools"));
        kafka = EmbeddedKafkaBroker.builder()
                .dataDir(dir.resolve("kafka"))
                .security(security)
                .start();
        try (Admin admin = Admin.create(client(KafkaSecurity.BROKER))) {
            admin.createTopics(List.of(
                            new NewTopic(TandemTopics.EVENTS, 1, (short) 1),
                            new NewTopic(TandemTopics.PREDICTIONS, 1, (short) 1)))
                    .all()
                    .get();
        }
        KafkaAcls.apply(
                kafka.bootstrapServers(),
                security.clientProperties(KafkaSecurity.BROKER),
                List.of(
                        KafkaAcls.features("features", "tandem-features"),
                        KafkaAcls.scoring("scoring", "tandem-scoring"),
                        KafkaAcls.tools("tools", "tandem-cli")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) kafka.close();
        if (dir != null) FileTrees.delete(dir);
    }

    @Test
    void theBrokerListensOnlyOnSaslSsl() {
        assertThat(kafka.config().toProperties().getProperty("listeners"))
                .startsWith("SASL_SSL://127.0.0.1:" + kafka.port() + ",")
                .doesNotContain("PLAINTEXT://");
    }

    @Test
    void aGrantedProducerAndReaderRoundTrip() throws Exception {
        try (KafkaProducer<String, String> p = producer(client("tools"))) {
            p.send(new ProducerRecord<>(TandemTopics.EVENTS, "u1", "hello")).get();
        }
        Map<String, Object> c = client("features");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "tandem-features-test");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TandemTopics.EVENTS));
            List<String> seen = new java.util.ArrayList<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) seen.add(r.value());
                return !seen.isEmpty();
            });
            assertThat(seen).contains("hello");
        }
    }

    @Test
    void aComponentCannotWriteAnotherComponentsOutput() {
        // The features app's principal producing predictions: the scoring job's output, not in its grant.
        try (KafkaProducer<String, String> p = producer(client("features"))) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>(TandemTopics.PREDICTIONS, "u1", "forged"))
                            .get())
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(TopicAuthorizationException.class)
                    .hasMessageContaining(TandemTopics.PREDICTIONS);
        }
    }

    @Test
    void aWrongPasswordIsRefused() {
        Map<String, Object> c = new HashMap<>(security.clientProperties("features", "not-the-password"));
        c.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(c)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get())
                    .cause()
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials");
        }
    }

    @Test
    void anotherComponentsPrincipalIsRefusedItsGroup() {
        // The scoring job's principal reading with the features app's group: groups are granted by prefix per
        // component.
        Map<String, Object> c = client("scoring");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "tandem-features-stolen");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TandemTopics.EVENTS));
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 50; i++) consumer.poll(Duration.ofMillis(200));
                    })
                    .isInstanceOf(org.apache.kafka.common.errors.AuthorizationException.class);
        }
    }

    @Test
    void aClientWithoutTlsGetsNoAnswer() {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("request.timeout.ms", 2_000);
        c.put("default.api.timeout.ms", 3_000);
        try (Admin admin = Admin.create(c)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get()).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void credentialsSurviveARestartOfTheSecurityDirectory() throws Exception {
        KafkaSecurity again = KafkaSecurity.inDirectory(dir.resolve("security"), List.of("features"));
        assertThat(again.password("features")).isEqualTo(security.password("features"));
        assertThat(Files.readString(dir.resolve("security").resolve("credentials.properties"), StandardCharsets.UTF_8))
                .contains("user.features=");
        assertThatThrownBy(() -> KafkaSecurity.inDirectory(dir.resolve("security"), List.of("monitoring")))
                .hasMessageContaining("without principal 'monitoring'");
    }

    private static Map<String, Object> client(String principal) {
        Map<String, Object> c = new HashMap<>(security.clientProperties(principal));
        c.put("bootstrap.servers", kafka.bootstrapServers());
        return c;
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> c) {
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return new KafkaProducer<>(c, new StringSerializer(), new StringSerializer());
    }
}
