package dev.tandem.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Schemas a source connector builds (no Avro behind them): what they become in Avro, and back in Connect. */
class ConnectSchemasToAvroTest {
    static final Schema ITEM = SchemaBuilder.struct()
            .field("sku", Schema.STRING_SCHEMA)
            .field("qty", Schema.INT32_SCHEMA)
            .build();
    static final Schema ROW = SchemaBuilder.struct()
            .name("com.example.Row")
            .doc("A row.")
            .field("id", Schema.INT64_SCHEMA)
            .field("small", Schema.INT8_SCHEMA)
            .field("mid", Schema.INT16_SCHEMA)
            .field(
                    "name",
                    SchemaBuilder.string().optional().doc("Display name.").build())
            .field("flag", SchemaBuilder.bool().optional().defaultValue(true).build())
            .field("price", Decimal.builder(2).optional().build())
            .field("when", Timestamp.SCHEMA)
            .field(
                    "day",
                    org.apache.kafka.connect.data.Date.builder().optional().build())
            .field("at", Time.SCHEMA)
            .field(
                    "tags",
                    SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT32_SCHEMA)
                            .build())
            .field("items", SchemaBuilder.array(ITEM).build())
            .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("bad-name", Schema.STRING_SCHEMA)
            .build();

    private final String scope = "connect-" + UUID.randomUUID();
    private final SchemaRegistryClient client = MockSchemaRegistry.client(scope);
    private final TandemAvroConverter converter = new TandemAvroConverter();

    ConnectSchemasToAvroTest() {
        converter.configure(Map.of("schema.registry.url", "mock://" + scope), false);
    }

    @AfterEach
    void drop() throws Exception {
        converter.close();
        MockSchemaRegistry.drop(scope);
    }

    static Struct row() {
        return new Struct(ROW)
                .put("id", 42L)
                .put("small", (byte) -3)
                .put("mid", (short) 300)
                .put("name", null)
                .put("price", new BigDecimal("19.90"))
                .put("when", new Date(1_700_000_000_123L))
                .put("day", new Date(19_700 * 86_400_000L))
                .put("at", new Date(3_723_004L))
                .put("tags", Map.of("w", 1.5f))
                .put("items", List.of(new Struct(ITEM).put("sku", "a").put("qty", 2)))
                .put("blob", new byte[] {1, 2})
                .put("bad-name", "x");
    }

    @Test
    void optionalFieldsBecomeUnionsWithNullFirstAndDefaultNullUnlessTheyHaveAnotherDefault() {
        converter.fromConnectData("rows", ROW, row());
        org.apache.avro.Schema avro = client.getLatestVersion("rows-value").schema();

        assertThat(avro.getFullName()).isEqualTo("com.example.Row");
        assertThat(avro.getDoc()).isEqualTo("A row.");
        org.apache.avro.Schema.Field name = avro.getField("name");
        assertThat(name.schema().getTypes())
                .extracting(org.apache.avro.Schema::getType)
                .containsExactly(org.apache.avro.Schema.Type.NULL, org.apache.avro.Schema.Type.STRING);
        assertThat(name.defaultVal()).isEqualTo(JsonProperties.NULL_VALUE);
        assertThat(name.doc()).isEqualTo("Display name.");
        org.apache.avro.Schema.Field flag = avro.getField("flag");
        assertThat(flag.schema().getTypes())
                .as("a non-null default must match the first branch")
                .extracting(org.apache.avro.Schema::getType)
                .containsExactly(org.apache.avro.Schema.Type.BOOLEAN, org.apache.avro.Schema.Type.NULL);
        assertThat(flag.defaultVal()).isEqualTo(true);
        assertThat(avro.getField("id").hasDefaultValue()).isFalse();
    }

    @Test
    void logicalTypesInt8Int16UnnamedStructsAndInvalidNamesHaveAvroEquivalents() {
        converter.fromConnectData("rows", ROW, row());
        org.apache.avro.Schema avro = client.getLatestVersion("rows-value").schema();

        assertThat(avro.getField("small").schema().getProp(AvroParams.CONNECT_TYPE_PROP))
                .isEqualTo("int8");
        assertThat(avro.getField("mid").schema().getProp(AvroParams.CONNECT_TYPE_PROP))
                .isEqualTo("int16");
        org.apache.avro.Schema price =
                avro.getField("price").schema().getTypes().get(1);
        assertThat(price.getLogicalType())
                .as("Connect has no precision: Confluent's default")
                .isEqualTo(LogicalTypes.decimal(AvroParams.DEFAULT_DECIMAL_PRECISION, 2));
        assertThat(avro.getField("when").schema().getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
        assertThat(avro.getField("day").schema().getTypes().get(1).getLogicalType())
                .isEqualTo(LogicalTypes.date());
        assertThat(avro.getField("at").schema().getLogicalType()).isEqualTo(LogicalTypes.timeMillis());
        assertThat(avro.getField("items").schema().getElementType().getFullName())
                .as("an unnamed struct is named by where it sits")
                .isEqualTo("com.example.Row_items");
        assertThat(avro.getField("bad_name")).isNotNull();
    }

    @Test
    void theAvroRecordHoldsTheValuesAndReadsBackIntoAnEqualStruct() {
        byte[] bytes = converter.fromConnectData("rows", ROW, row());

        GenericRecord r =
                (GenericRecord) new TandemAvroDeserializer<Object>(client, false, Map.of()).deserialize("rows", bytes);
        assertThat(r.get("small")).isEqualTo(-3);
        assertThat(r.get("when")).isEqualTo(1_700_000_000_123L);
        assertThat(r.get("day")).isEqualTo(19_700);
        assertThat(r.get("at")).isEqualTo(3_723_004);
        assertThat(r.get("name")).isNull();

        SchemaAndValue back = converter.toConnectData("rows", bytes);
        Struct s = (Struct) back.value();
        assertThat(back.schema().field("small").schema().type()).isEqualTo(Schema.Type.INT8);
        assertThat(back.schema().field("mid").schema().type()).isEqualTo(Schema.Type.INT16);
        Struct expected = row();
        for (String f : List.of("id", "small", "mid", "name", "price", "when", "day", "at", "tags")) {
            assertThat(s.get(f)).as(f).isEqualTo(expected.get(f));
        }
        assertThat(s.get("flag")).as("the default applies").isEqualTo(true);
        assertThat(s.getBytes("blob")).containsExactly(1, 2);
        assertThat(s.get("bad_name")).isEqualTo("x");
        assertThat(((Struct) s.getArray("items").get(0)).get("sku")).isEqualTo("a");
        // and the schema read back writes the same bytes again
        assertThat(converter.fromConnectData("rows", back.schema(), back.value()))
                .isEqualTo(bytes);
    }

    @Test
    void aDecimalWithMoreDigitsThanItsScaleCannotBeWrittenWithoutRounding() {
        Struct r = row().put("price", new BigDecimal("19.999"));
        assertThatThrownBy(() -> converter.fromConnectData("rows", ROW, r))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("com.example.Row")
                .hasMessageContaining("scale");
    }

    @Test
    void mapsWithNonStringKeysAreRefusedWithTheReason() {
        Schema s = SchemaBuilder.struct()
                .name("M")
                .field(
                        "m",
                        SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA)
                                .build())
                .build();
        assertThatThrownBy(() -> converter.fromConnectData("m", s, new Struct(s).put("m", Map.of(1, "a"))))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("map keys are strings")
                .hasMessageContaining("INT32");
    }

    @Test
    void twoDifferentStructsWithOneNameAreRefused() {
        Schema a = SchemaBuilder.struct()
                .name("x.Same")
                .field("a", Schema.INT32_SCHEMA)
                .build();
        Schema b = SchemaBuilder.struct()
                .name("x.Same")
                .field("b", Schema.STRING_SCHEMA)
                .build();
        Schema outer = SchemaBuilder.struct()
                .name("x.Outer")
                .field("a", a)
                .field("b", b)
                .build();
        Struct v = new Struct(outer).put("a", new Struct(a).put("a", 1)).put("b", new Struct(b).put("b", "s"));
        assertThatThrownBy(() -> converter.fromConnectData("o", outer, v))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("x.Same");
    }

    @Test
    void anEnumValueOutsideItsSymbolsIsBadData() {
        Schema status = SchemaBuilder.string()
                .name("x.Status")
                .parameter(AvroParams.ENUM, "x.Status")
                .parameter(AvroParams.ENUM_SYMBOLS, "A,B")
                .build();
        Schema s = SchemaBuilder.struct().name("x.E").field("status", status).build();
        assertThat(converter.fromConnectData("e", s, new Struct(s).put("status", "B")))
                .isNotNull();
        assertThatThrownBy(() -> converter.fromConnectData("e", s, new Struct(s).put("status", "C")))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("'C' is not a symbol of enum x.Status [A, B]");
    }

    @Test
    void aTopLevelPrimitiveOrSchemalessValueIsRefusedAndANullValueIsATombstone() {
        assertThatThrownBy(() -> converter.fromConnectData("p", Schema.STRING_SCHEMA, "x"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("struct, enum, fixed or array at the top level");
        assertThatThrownBy(() -> converter.fromConnectData("p", null, Map.of("a", 1)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("needs a Connect schema");
        assertThat(converter.fromConnectData("p", ROW, null)).isNull();
        assertThat(converter.fromConnectData("p", null, null)).isNull();
    }

    @Test
    void anArrayAtTheTopLevelIsWritten() {
        Schema s = SchemaBuilder.array(Schema.STRING_SCHEMA).build();
        byte[] bytes = converter.fromConnectData("arr", s, List.of("a", "b"));
        SchemaAndValue back = converter.toConnectData("arr", bytes);
        assertThat(back.schema()).isEqualTo(s);
        assertThat(back.value()).isEqualTo(List.of("a", "b"));
    }
}
