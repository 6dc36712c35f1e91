package dev.tandem.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.RankedItem;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every Tandem record: our serializer's bytes → Connect → the same bytes, and what the sinks read from the struct. */
class TandemRecordsRoundTripTest {
    private static final String TOPIC = "t";
    private final String scope = "converter-" + UUID.randomUUID();
    private final SchemaRegistryClient client = MockSchemaRegistry.client(scope);
    private final TandemAvroConverter converter = new TandemAvroConverter();

    TandemRecordsRoundTripTest() {
        converter.configure(Map.of("schema.registry.url", "mock://" + scope), false);
    }

    @AfterEach
    void drop() throws Exception {
        converter.close();
        MockSchemaRegistry.drop(scope);
    }

    static Stream<SpecificRecord> records() {
        return TandemRecords.all().stream();
    }

    private byte[] serialize(Object record) {
        return new TandemAvroSerializer<Object>(client, false).serialize(TOPIC, record);
    }

    @ParameterizedTest
    @MethodSource("records")
    void serializerBytesBecomeAStructAndConvertBackToTheSameBytes(SpecificRecord record) {
        byte[] written = serialize(record);

        SchemaAndValue connect = converter.toConnectData(TOPIC, written);
        assertThat(connect.schema().type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(connect.schema().name()).isEqualTo(record.getSchema().getFullName());
        ((Struct) connect.value()).validate();

        byte[] back = converter.fromConnectData(TOPIC, connect.schema(), connect.value());
        assertThat(back).as("same schema id and Avro body").isEqualTo(written);
        Object read = new TandemAvroDeserializer<>(record.getClass(), client, false).deserialize(TOPIC, back);
        assertThat(TandemRecords.avroBytes((SpecificRecord) read)).isEqualTo(TandemRecords.avroBytes(record));
        assertThat(client.getAllVersions(TOPIC + "-value"))
                .as("the registered schema was found again, not a second version registered")
                .hasSize(1);
    }

    @ParameterizedTest
    @MethodSource("records")
    void theConnectSchemaOfEachRecordTurnsBackIntoTheRegisteredSchemaText(SpecificRecord record) {
        org.apache.avro.Schema avro = record.getSchema();
        assertThat(ConnectToAvro.schema(AvroToConnect.schema(avro)).toString()).isEqualTo(avro.toString());
    }

    @Test
    void theActionEnumAtTheTopLevelIsAStringWithItsSymbols() {
        byte[] written = serialize(Action.PURCHASE);

        SchemaAndValue connect = converter.toConnectData(TOPIC, written);
        assertThat(connect.value()).isEqualTo("PURCHASE");
        assertThat(connect.schema().type()).isEqualTo(Schema.Type.STRING);
        assertThat(connect.schema().name()).isEqualTo("dev.tandem.schemas.Action");
        assertThat(connect.schema().parameters())
                .containsEntry(AvroParams.ENUM, "dev.tandem.schemas.Action")
                .containsEntry(
                        AvroParams.ENUM_SYMBOLS,
                        "IMPRESSION,VIEW,CLICK,CART,REMOVE_FROM_CART,FAVORITE,PURCHASE,UNKNOWN")
                .containsEntry(AvroParams.ENUM_DEFAULT, "UNKNOWN");
        assertThat(connect.schema().doc()).startsWith("What a user did to an item.");

        assertThat(converter.fromConnectData(TOPIC, connect.schema(), connect.value()))
                .isEqualTo(written);
        assertThat(converter.fromConnectData(TOPIC, connect.schema(), "VIEW")).isEqualTo(serialize(Action.VIEW));
    }

    @Test
    void aUserEventStructCarriesTimestampsEnumsOptionalsMapsAndFieldDocs() {
        SchemaAndValue connect = converter.toConnectData(TOPIC, serialize(TandemRecords.userEvent()));
        Struct s = (Struct) connect.value();
        Schema schema = connect.schema();

        assertThat(schema.doc()).isEqualTo("One user behaviour. Topic 'events', key user_id.");
        assertThat(schema.field("event_id").schema().doc()).startsWith("Unique and deterministic");
        assertThat(schema.field("event_id").schema().parameters())
                .containsEntry(AvroParams.PROP + "avro.java.string", "String");
        assertThat(schema.field("event_time").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
        assertThat(s.get("event_time")).isEqualTo(Date.from(TandemRecords.T0));
        assertThat(schema.field("action").schema().name()).isEqualTo("dev.tandem.schemas.Action");
        assertThat(s.get("action")).isEqualTo("CART");
        assertThat(schema.field("price").schema().isOptional()).isTrue();
        assertThat(schema.field("price").schema().type()).isEqualTo(Schema.Type.FLOAT64);
        assertThat(s.get("price")).isEqualTo(499.99);
        assertThat(schema.field("attributes").schema().keySchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(schema.field("attributes").schema().defaultValue()).isEqualTo(Map.of());
        assertThat(s.getMap("attributes")).isEqualTo(Map.of("utm_source", "newsletter"));
    }

    @Test
    void aPredictionStructFromTheConverterIsWhatTheSinksAccept() {
        SchemaAndValue connect = converter.toConnectData(TOPIC, serialize(TandemRecords.prediction()));

        Recommendation r =
                PredictionStructs.toRecommendation(connect.value(), Objective.parse("expected-value:PURCHASE", 1.0), 0);

        assertThat(r.userId()).isEqualTo("u-1001");
        assertThat(r.requestId()).isEqualTo("r-1");
        assertThat(r.requestTime()).isEqualTo(TandemRecords.T0.toEpochMilli());
        assertThat(r.featuresAsOf()).isEqualTo(TandemRecords.T0.toEpochMilli());
        assertThat(r.scoredAt()).isEqualTo(TandemRecords.T0.toEpochMilli() + 3);
        assertThat(r.modelName()).isEqualTo("esmm");
        assertThat(r.modelVersion()).isEqualTo("3");
        assertThat(r.stages()).containsExactly("VIEW", "CART", "PURCHASE");
        // expected value: 0.01 x 19.99 for i-77 beats 0.002 x 1.0 (missing price) for i-new
        assertThat(r.items()).extracting(RankedItem::itemId).containsExactly("i-77", "i-new");
        assertThat(r.items().get(0).price()).isEqualTo(19.99);
        assertThat(r.items().get(1).price()).isNull();
        assertThat(r.items().get(0).probabilities()).containsExactly(0.5f, 0.1f, 0.01f);
    }

    @Test
    void aPredictionWithoutFeaturesAsOfReadsAsNull() {
        var p = TandemRecords.prediction();
        p.setFeaturesAsOf(null);
        SchemaAndValue connect = converter.toConnectData(TOPIC, serialize(p));

        assertThat(((Struct) connect.value()).get("features_as_of")).isNull();
        Recommendation r = PredictionStructs.toRecommendation(connect.value(), Objective.probability("VIEW"), 1);
        assertThat(r.featuresAsOf()).isNull();
        assertThat(r.items()).extracting(RankedItem::itemId).isEqualTo(List.of("i-77"));
    }
}
