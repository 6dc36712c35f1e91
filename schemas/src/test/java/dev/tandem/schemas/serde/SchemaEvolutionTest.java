package dev.tandem.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.testing.Schemas;
import dev.tandem.schemas.testing.TestRecords;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Old and new schemas of UserEvent through the serde, and what the registry refuses. */
class SchemaEvolutionTest {
    private static final String TOPIC = "events";
    private static final String SUBJECT = "events-value";
    private static final Schema V1 = UserEvent.getClassSchema();
    private static final Schema V2 =
            Schemas.withField(V1, "{\"name\":\"referrer\",\"type\":[\"null\",\"string\"],\"default\":null}");

    private final String scope = "evolution-" + UUID.randomUUID();
    private final SchemaRegistryClient client = SchemaRegistryClients.forUrl("mock://" + scope, Map.of());

    @AfterEach
    void drop() {
        MockSchemaRegistry.drop(scope);
    }

    private static GenericRecord v2Event(String referrer) {
        UserEvent v1 = TestRecords.userEvent();
        GenericData.Record r = new GenericData.Record(V2);
        for (Schema.Field f : V1.getFields()) {
            Object value = v1.get(f.name());
            if (value instanceof java.time.Instant t) value = t.toEpochMilli();
            if (value instanceof Enum<?> e) value = new GenericData.EnumSymbol(f.schema(), e.name());
            r.put(f.name(), value);
        }
        r.put("referrer", referrer);
        return r;
    }

    @Test
    void oldReaderReadsDataWrittenWithTheNewSchema() {
        byte[] v1Bytes = new TandemAvroSerializer<>(client, false).serialize(TOPIC, TestRecords.userEvent());
        byte[] v2Bytes = new TandemAvroSerializer<>(client, false).serialize(TOPIC, v2Event("search"));
        assertThat(client.getAllVersions(SUBJECT)).containsExactly(1, 2);
        assertThat(WireFormat.schemaId(TOPIC, v2Bytes)).isNotEqualTo(WireFormat.schemaId(TOPIC, v1Bytes));

        UserEvent old =
                new TandemAvroDeserializer<UserEvent>(UserEvent.class, client, false).deserialize(TOPIC, v2Bytes);
        assertThat(old).isEqualTo(TestRecords.userEvent());
    }

    @Test
    void newReaderReadsDataWrittenWithTheOldSchema() {
        byte[] v1Bytes = new TandemAvroSerializer<>(client, false).serialize(TOPIC, TestRecords.userEvent());
        GenericRecord read = new TandemAvroDeserializer<GenericRecord>(V2, client, false).deserialize(TOPIC, v1Bytes);
        assertThat(read.getSchema()).isEqualTo(V2);
        assertThat(read.get("referrer")).isNull();
        assertThat(read.get("event_id")).isEqualTo("ev-000042");
        assertThat(read.get("event_time")).isEqualTo(TestRecords.T0.toEpochMilli());
    }

    @Test
    void anIncompatibleChangeIsRefusedWith409AndAClearSerializationException() {
        new TandemAvroSerializer<>(client, false).serialize(TOPIC, TestRecords.userEvent());
        Schema required = Schemas.withField(V1, "{\"name\":\"tenant\",\"type\":\"string\"}");
        GenericData.Record rec = new GenericData.Record(required);
        GenericRecord base = v2Event(null);
        for (Schema.Field f : V1.getFields()) rec.put(f.name(), base.get(f.name()));
        rec.put("tenant", "acme");

        assertThatThrownBy(() -> new TandemAvroSerializer<>(client, false).serialize(TOPIC, rec))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("incompatible")
                .hasMessageContaining(SUBJECT)
                .hasMessageContaining("tenant")
                .cause()
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                });
        assertThat(client.getAllVersions(SUBJECT)).containsExactly(1);
    }

    @Test
    void withAutoRegisterOffAnUnregisteredSchemaIsAClearError() {
        Map<String, Object> noAuto = Map.of(TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        var serializer = new TandemAvroSerializer<UserEvent>(client, false, noAuto);
        assertThatThrownBy(() -> serializer.serialize(TOPIC, TestRecords.userEvent()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("not registered")
                .hasMessageContaining("auto.register.schemas=false")
                .hasMessageContaining(SUBJECT);

        int id = client.register(SUBJECT, V1);
        byte[] bytes =
                new TandemAvroSerializer<UserEvent>(client, false, noAuto).serialize(TOPIC, TestRecords.userEvent());
        assertThat(WireFormat.schemaId(TOPIC, bytes)).isEqualTo(id);
        assertThat(client.getAllVersions(SUBJECT)).containsExactly(1);
    }

    @Test
    void useLatestVersionWritesWithTheLatestSchemaAndId() {
        client.register(SUBJECT, V1);
        int v2Id = client.register(SUBJECT, V2);
        Map<String, Object> latest = Map.of(
                TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false, TandemAvroSerdeConfig.USE_LATEST_VERSION, true);

        // An old producer (v1 class) writes with the latest id; the new field takes its default.
        byte[] bytes =
                new TandemAvroSerializer<UserEvent>(client, false, latest).serialize(TOPIC, TestRecords.userEvent());
        assertThat(WireFormat.schemaId(TOPIC, bytes)).isEqualTo(v2Id);
        GenericRecord asV2 =
                new TandemAvroDeserializer<GenericRecord>(client, false, Map.of()).deserialize(TOPIC, bytes);
        assertThat(asV2.getSchema()).isEqualTo(V2);
        assertThat(asV2.get("referrer")).isNull();
        assertThat(new TandemAvroDeserializer<UserEvent>(UserEvent.class, client, false).deserialize(TOPIC, bytes))
                .isEqualTo(TestRecords.userEvent());
        assertThat(client.getAllVersions(SUBJECT)).containsExactly(1, 2);
    }

    @Test
    void useLatestVersionRefusesALatestSchemaThatCannotReadTheRecord() {
        client.setCompatibility(SUBJECT, dev.tandem.schemas.registry.CompatibilityLevel.NONE);
        client.register(SUBJECT, Schemas.withField(V1, "{\"name\":\"tenant\",\"type\":\"string\"}"));
        var serializer = new TandemAvroSerializer<UserEvent>(
                client,
                false,
                Map.of(
                        TandemAvroSerdeConfig.USE_LATEST_VERSION,
                        true,
                        TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS,
                        false));
        assertThatThrownBy(() -> serializer.serialize(TOPIC, TestRecords.userEvent()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("use.latest.version")
                .hasMessageContaining("cannot read");
    }
}
