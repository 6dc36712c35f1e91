package dev.tandem.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.RestSchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.server.InMemorySchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.testing.TestRecords;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every generated record through the serde, specific and generic, on the mock registry and on the HTTP server. */
class SerdeRoundTripTest {
    private static SchemaRegistryServer server;
    private static String mockUrl;

    @BeforeAll
    static void startRegistry() throws Exception {
        server = SchemaRegistryServer.builder()
                .host("127.0.0.1")
                .port(0)
                .store(new InMemorySchemaStore())
                .start();
        mockUrl = "mock://roundtrip-" + UUID.randomUUID();
    }

    @AfterAll
    static void stopRegistry() {
        server.close();
        MockSchemaRegistry.drop(mockUrl.substring("mock://".length()));
    }

    static Stream<Arguments> registriesAndRecords() {
        return Stream.of("mock", "http")
                .flatMap(registry -> TestRecords.all().stream()
                        .map(r -> Arguments.of(registry, r.getSchema().getName(), r)));
    }

    private static SchemaRegistryClient client(String registry) {
        return SchemaRegistryClients.forUrl(registry.equals("mock") ? mockUrl : server.url(), Map.of());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("registriesAndRecords")
    @SuppressWarnings({"unchecked", "rawtypes"})
    void specificRecordRoundTrips(String registry, String name, SpecificRecord record) {
        try (TandemAvroSerde serde = TandemAvroSerde.specific((Class) record.getClass(), client(registry), false)) {
            byte[] bytes = serde.serializer().serialize("topic-" + name, record);
            Object back = serde.deserializer().deserialize("topic-" + name, bytes);
            assertThat(back).isInstanceOf(record.getClass());
            assertThat(TestRecords.sameData(back, record))
                    .as("%s equals %s", back, record)
                    .isTrue();
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("registriesAndRecords")
    void genericRecordRoundTripsAndReadsBackAsSpecific(String registry, String name, SpecificRecord record)
            throws Exception {
        SchemaRegistryClient client = client(registry);
        // A generic record equal in content: decode the specific record's Avro binary generically.
        GenericRecord generic = TestRecords.toGeneric(record);
        try (TandemAvroSerde<GenericRecord> serde = TandemAvroSerde.generic(client, false)) {
            byte[] bytes = serde.serializer().serialize("generic-" + name, generic);
            GenericRecord back = serde.deserializer().deserialize("generic-" + name, bytes);
            assertThat(back).isEqualTo(generic);
            assertThat(back.getSchema()).isEqualTo(record.getSchema());

            // Written generically, read as the generated class through Confluent's specific.avro.reader.
            try (TandemAvroDeserializer<Object> specific = new TandemAvroDeserializer<>(
                    client, false, Map.of(TandemAvroSerdeConfig.SPECIFIC_AVRO_READER, true))) {
                Object asSpecific = specific.deserialize("generic-" + name, bytes);
                assertThat(asSpecific).isInstanceOf(record.getClass());
                assertThat(TestRecords.sameData(asSpecific, record))
                        .as("%s equals %s", asSpecific, record)
                        .isTrue();
            }
        }
    }

    @Test
    void bytesAreMagicByteThenBigEndianIdThenPlainAvro() throws Exception {
        SchemaRegistryClient client = client("http");
        var event = TestRecords.userEvent();
        byte[] bytes = new TandemAvroSerializer<>(client, false).serialize("events", event);

        int id = client.getId("events-value", event.getSchema());
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(plain, null);
        new SpecificDatumWriter<>(event.getSchema()).write(event, enc);
        enc.flush();

        ByteBuffer buf = ByteBuffer.wrap(bytes);
        assertThat(buf.get()).isEqualTo((byte) 0);
        assertThat(buf.getInt()).isEqualTo(id);
        byte[] body = new byte[buf.remaining()];
        buf.get(body);
        assertThat(body).isEqualTo(plain.toByteArray());
    }

    @Test
    void nullsPassThroughAsTombstones() {
        TandemAvroSerde<GenericRecord> serde = TandemAvroSerde.generic(client("mock"), false);
        assertThat(serde.serializer().serialize("user-features", null)).isNull();
        assertThat(serde.deserializer().deserialize("user-features", null)).isNull();
    }

    @Test
    void configuredThroughConfluentKeysLikeKafkaDoes() {
        Map<String, Object> configs =
                Map.of("schema.registry.url", server.url(), TandemAvroSerdeConfig.SPECIFIC_AVRO_READER, "true");
        try (TandemAvroSerde<Object> serde = new TandemAvroSerde<>()) {
            serde.configure(configs, false);
            var event = TestRecords.userEvent();
            Object back = serde.deserializer()
                    .deserialize("configured", serde.serializer().serialize("configured", event));
            assertThat(back).isEqualTo(event);
        }
        assertThat(new RestSchemaRegistryClient(server.url()).listSubjects()).contains("configured-value");
    }
}
