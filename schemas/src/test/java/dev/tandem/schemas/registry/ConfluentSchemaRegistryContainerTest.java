package dev.tandem.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerde;
import dev.tandem.schemas.serde.TandemAvroSerdeConfig;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import dev.tandem.schemas.testing.Schemas;
import dev.tandem.schemas.testing.TestRecords;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The same client and serde checks against Confluent's own registry, to keep ours honest.
 * Skipped where there is no Docker engine.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConfluentSchemaRegistryContainerTest {
    private static final Network NETWORK = Network.newNetwork();
    private static final Schema V1 = UserEvent.getClassSchema();
    private static final Schema V2 =
            Schemas.withField(V1, "{\"name\":\"referrer\",\"type\":[\"null\",\"string\"],\"default\":null}");
    private static final Schema INCOMPATIBLE = Schemas.withField(V1, "{\"name\":\"tenant\",\"type\":\"string\"}");

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(DockerImageName.parse("apache/kafka:4.0.0"))
            .withNetwork(NETWORK)
            .withListener("kafka:19092");

    @Container
    static final GenericContainer<?> REGISTRY = new GenericContainer<>(
                    DockerImageName.parse("confluentinc/cp-schema-registry:7.9.0"))
            .withNetwork(NETWORK)
            .withNetworkAliases("schema-registry")
            .withExposedPorts(8081)
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .dependsOn(KAFKA)
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(2)));

    @AfterAll
    static void closeNetwork() {
        NETWORK.close();
    }

    private static String url() {
        return "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
    }

    private static RestSchemaRegistryClient client() {
        return RestSchemaRegistryClient.create(url(), Map.of());
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Test
    void registerLookupAndVersionsBehaveAsOnOurServer() {
        RestSchemaRegistryClient c = client();
        String subject = unique("events") + "-value";
        int id1 = c.register(subject, V1);
        int id2 = c.register(subject, V2);
        assertThat(c.register(subject, V1)).isEqualTo(id1);
        assertThat(c.getSchemaById(id1)).isEqualTo(V1);
        assertThat(c.getAllVersions(subject)).containsExactly(1, 2);
        assertThat(c.getLatestVersion(subject)).isEqualTo(new SchemaVersion(subject, id2, 2, V2));
        assertThat(c.lookup(subject, V1).version()).isEqualTo(1);
        assertThat(c.listSubjects()).contains(subject);
        assertThat(c.deleteSubject(subject)).containsExactly(1, 2);
        assertThat(c.listSubjects()).doesNotContain(subject);
    }

    @Test
    void errorCodesAreTheOnesOurServerAnswers() {
        RestSchemaRegistryClient c = client();
        String subject = unique("codes");
        c.register(subject, V1);
        assertThatThrownBy(() -> c.getLatestVersion(unique("none")))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> c.getVersion(subject, 42))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> c.getSchemaById(987_654))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> c.lookup(subject, ItemMetadata.getClassSchema()))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> c.register(subject, INCOMPATIBLE))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                });
        assertThat(c.testCompatibility(subject, V2).compatible()).isTrue();
        CompatibilityResult bad = c.testCompatibility(subject, INCOMPATIBLE);
        assertThat(bad.compatible()).isFalse();
        assertThat(bad.messages()).isNotEmpty();
    }

    @Test
    void compatibilityConfig() {
        RestSchemaRegistryClient c = client();
        String subject = unique("config");
        assertThat(c.getCompatibility(subject)).isEqualTo(c.getGlobalCompatibility());
        c.setCompatibility(subject, CompatibilityLevel.NONE);
        assertThat(c.getCompatibility(subject)).isEqualTo(CompatibilityLevel.NONE);
        c.register(subject, V1);
        assertThat(c.register(subject, INCOMPATIBLE)).isPositive();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void everyRecordRoundTripsThroughTheSerde() {
        for (SpecificRecord record : TestRecords.all()) {
            String topic = unique(record.getSchema().getName());
            TandemAvroSerde serde = TandemAvroSerde.specific((Class) record.getClass(), client(), false);
            Object back =
                    serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, record));
            assertThat(TestRecords.sameData(back, record))
                    .as("%s", record.getSchema().getName())
                    .isTrue();

            TandemAvroSerde<GenericRecord> generic = TandemAvroSerde.generic(client(), false);
            GenericRecord g = TestRecords.toGeneric(record);
            assertThat(generic.deserializer()
                            .deserialize(topic, generic.serializer().serialize(topic, g)))
                    .isEqualTo(g);
        }
    }

    @Test
    void evolutionAndConfluentKeys() {
        String topic = unique("evolving");
        Map<String, Object> configs =
                Map.of("schema.registry.url", url(), TandemAvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        try (TandemAvroSerializer<Object> ser = new TandemAvroSerializer<>();
                TandemAvroDeserializer<Object> de = new TandemAvroDeserializer<>()) {
            ser.configure(configs, false);
            de.configure(configs, false);
            byte[] v1 = ser.serialize(topic, TestRecords.userEvent());
            assertThat(de.deserialize(topic, v1)).isEqualTo(TestRecords.userEvent());
            // New reader, old data.
            GenericRecord asV2 = new TandemAvroDeserializer<GenericRecord>(V2, client(), false).deserialize(topic, v1);
            assertThat(asV2.get("referrer")).isNull();
        }
        // Auto-register off on a fresh subject: a clear error.
        var strict = new TandemAvroSerializer<UserEvent>(
                client(), false, Map.of(TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false));
        assertThatThrownBy(() -> strict.serialize(unique("unregistered"), TestRecords.userEvent()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("not registered");
        // use.latest.version picks the latest id.
        String subject = topic + "-value";
        int v2 = client().register(subject, V2);
        var latest = new TandemAvroSerializer<UserEvent>(
                client(),
                false,
                Map.of(
                        TandemAvroSerdeConfig.USE_LATEST_VERSION,
                        true,
                        TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS,
                        false));
        assertThat(WireFormat.schemaId(topic, latest.serialize(topic, TestRecords.userEvent())))
                .isEqualTo(v2);
    }
}
