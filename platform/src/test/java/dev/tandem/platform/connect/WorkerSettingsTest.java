package dev.tandem.platform.connect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.KafkaSecurity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerSettingsTest {
    static WorkerSettings settings(Map<String, String> overrides) {
        return new WorkerSettings(
                "127.0.0.1:9092", "http://127.0.0.1:8081", 8083, Path.of("/opt/plugins"), "service_load", overrides);
    }

    @Test
    void theDefaultsOfTheBrief() {
        Map<String, String> p = settings(Map.of()).workerProperties();
        assertThat(p)
                .containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("group.id", "tandem-connect")
                .containsEntry("config.storage.topic", "connect-configs")
                .containsEntry("offset.storage.topic", "connect-offsets")
                .containsEntry("status.storage.topic", "connect-status")
                .containsEntry("config.storage.replication.factor", "1")
                .containsEntry("offset.storage.replication.factor", "1")
                .containsEntry("status.storage.replication.factor", "1")
                .containsEntry("key.converter", "org.apache.kafka.connect.storage.StringConverter")
                .containsEntry("value.converter", "dev.tandem.connect.avro.TandemAvroConverter")
                .containsEntry("value.converter.schema.registry.url", "http://127.0.0.1:8081")
                .containsEntry("listeners", "http://127.0.0.1:8083")
                .containsEntry("plugin.path", "/opt/plugins")
                .containsEntry("plugin.discovery", "service_load")
                .containsEntry("consumer.isolation.level", "read_committed");
    }

    @Test
    void overridesWinAndSecretsAreMaskedInTheDescription() {
        WorkerSettings s = settings(Map.of(
                "value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
                "consumer.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required password=\"p\";",
                "producer.ssl.key.password", "kp"));
        assertThat(s.workerProperties())
                .containsEntry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        assertThat(s.describe()).contains("consumer.sasl.jaas.config", "producer.ssl.key.password", "****");
        assertThat(s.describe()).doesNotContain("password=\"p\"", " kp");
        assertThat(s.withKafka("b:1", "http://r:2").workerProperties())
                .containsEntry("bootstrap.servers", "b:1")
                .containsEntry("value.converter.schema.registry.url", "http://r:2")
                .containsEntry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    }

    @Test
    void restTlsPutsTheApiOnHttpsOnlyAndTheClientTrustsItsCertificate(@TempDir Path dir) throws Exception {
        KafkaSecurity security = KafkaSecurity.inDirectory(dir, List.of());
        WorkerSettings plain = settings(Map.of());
        assertThat(plain.restClientTls())
                .as("a plain listener needs no TLS client")
                .isNull();

        WorkerSettings tls = plain.withRestTls(security.keyStore(), security.trustStorePassword(), "PKCS12");

        assertThat(tls.workerProperties())
                .containsEntry("listeners", "https://127.0.0.1:8083")
                .containsEntry("rest.advertised.listener", "https")
                .containsEntry(
                        "listeners.https.ssl.keystore.location",
                        security.keyStore().toString())
                .containsEntry("listeners.https.ssl.keystore.type", "PKCS12");
        assertThat(tls.describe()).doesNotContain(security.trustStorePassword());
        // the client context is built from the keystore's certificate: it is what a handshake with the worker checks
        assertThat(tls.restClientTls()).isNotNull();
        assertThat(tls.restClientTls().getProtocol()).startsWith("TLS");
    }
}
