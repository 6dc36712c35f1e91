package dev.tandem.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One schema with every Avro construct the converter maps: the Connect side of each, and back to the same bytes. */
class GenericMappingTest {
    static final org.apache.avro.Schema ORDER = new org.apache.avro.Schema.Parser().parse("""
            {"type": "record", "name": "Order", "namespace": "test.shop", "doc": "An order.",
             "aliases": ["test.old.Purchase"], "x-owner": "shop",
             "fields": [
              {"name": "id", "type": "string", "doc": "Order id."},
              {"name": "count", "type": "int", "default": 1},
              {"name": "total", "type": "long", "order": "descending"},
              {"name": "ratio", "type": "float", "default": 0.5},
              {"name": "score", "type": "double"},
              {"name": "paid", "type": "boolean", "default": false},
              {"name": "raw", "type": "bytes", "default": "\\u00ff\\u0001"},
              {"name": "hash", "type": {"type": "fixed", "name": "Md5", "size": 4, "doc": "Four bytes."}},
              {"name": "status", "doc": "Current status.", "default": "PAID", "type": {"type": "enum", "name": "Status",
                "doc": "Where it is.", "symbols": ["NEW", "PAID", "SHIPPED"], "default": "NEW"}},
              {"name": "customer", "doc": "Who.", "default": {"name": "anon", "vip": null}, "type": {"type": "record",
                "name": "Customer", "fields": [
                  {"name": "name", "type": "string"},
                  {"name": "vip", "type": ["null", "boolean"], "default": null}]}},
              {"name": "lines", "default": [], "type": {"type": "array", "items": {"type": "record", "name": "Line",
                "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
              {"name": "tags", "type": {"type": "map", "values": "long"}, "default": {"a": 1}},
              {"name": "history", "type": {"type": "map", "values": {"type": "array", "items": "Status"}}},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "coupon", "type": ["string", "null"], "default": "NONE"},
              {"name": "referrer", "type": ["null", "string"]},
              {"name": "backup", "type": ["Customer", "null"]},
              {"name": "choice", "type": ["int", "string", "Customer"], "default": 7},
              {"name": "maybe", "type": ["null", "int", "string"], "default": null},
              {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "created_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "at", "type": {"type": "int", "logicalType": "time-millis"}},
              {"name": "at_us", "type": {"type": "long", "logicalType": "time-micros"}},
              {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
              {"name": "big", "type": {"type": "fixed", "name": "Amount16", "size": 16, "logicalType": "decimal",
                "precision": 20, "scale": 4}},
              {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "java_string", "type": {"type": "string", "avro.java.string": "String"}},
              {"name": "custom", "aliases": ["custom_old"], "x-field": "f",
               "type": {"type": "int", "x-unit": "cm", "x-range": [0, 10]}}
             ]}
            """);

    static final long CREATED = 1_700_000_000_123L;
    static final int DAY = 19_700;
    static final int AT = 45_296_789;

    private final String scope = "generic-" + UUID.randomUUID();
    private final SchemaRegistryClient client = MockSchemaRegistry.client(scope);
    private final TandemAvroConverter converter = new TandemAvroConverter();

    GenericMappingTest() {
        converter.configure(Map.of("schema.registry.url", "mock://" + scope), false);
    }

    @AfterEach
    void drop() throws Exception {
        converter.close();
        MockSchemaRegistry.drop(scope);
    }

    static GenericRecord customer(String name, Boolean vip) {
        GenericRecord c = new GenericData.Record(ORDER.getField("customer").schema());
        c.put("name", name);
        c.put("vip", vip);
        return c;
    }

    static GenericRecord order() {
        org.apache.avro.Schema line = ORDER.getField("lines").schema().getElementType();
        org.apache.avro.Schema status = ORDER.getField("status").schema();
        GenericRecord l = new GenericData.Record(line);
        l.put("sku", "sku-1");
        l.put("qty", 3);
        GenericRecord o = new GenericData.Record(ORDER);
        o.put("id", "o-1");
        o.put("count", 2);
        o.put("total", 12_345L);
        o.put("ratio", 0.25f);
        o.put("score", 0.125);
        o.put("paid", true);
        o.put("raw", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        o.put("hash", new GenericData.Fixed(ORDER.getField("hash").schema(), new byte[] {9, 8, 7, 6}));
        o.put("status", new GenericData.EnumSymbol(status, "SHIPPED"));
        o.put("customer", customer("ada", true));
        o.put("lines", new GenericData.Array<>(ORDER.getField("lines").schema(), List.of(l)));
        o.put("tags", Map.of("x", 5L));
        o.put("history", Map.of("2025", List.of(new GenericData.EnumSymbol(status, "NEW"))));
        o.put("note", null);
        o.put("coupon", "SPRING");
        o.put("referrer", "search");
        o.put("backup", customer("bob", null));
        o.put("choice", customer("cy", false));
        o.put("maybe", "five");
        o.put("created", CREATED);
        o.put("created_us", CREATED * 1000 + 456);
        o.put("day", DAY);
        o.put("at", AT);
        o.put("at_us", AT * 1000L + 7);
        o.put("local", CREATED);
        Conversions.DecimalConversion decimals = new Conversions.DecimalConversion();
        org.apache.avro.Schema amount = ORDER.getField("amount").schema();
        o.put("amount", decimals.toBytes(new BigDecimal("1234567.89"), amount, amount.getLogicalType()));
        org.apache.avro.Schema big = ORDER.getField("big").schema();
        o.put("big", decimals.toFixed(new BigDecimal("-12345678.9012"), big, big.getLogicalType()));
        o.put("uid", "5f0c6f7e-4a3b-4c1d-9e2f-0123456789ab");
        o.put("java_string", "plain");
        o.put("custom", 7);
        return o;
    }

    private SchemaAndValue read() {
        byte[] bytes = new TandemAvroSerializer<GenericRecord>(client, false).serialize("orders", order());
        return converter.toConnectData("orders", bytes);
    }

    private static Schema field(Schema s, String name) {
        return s.field(name).schema();
    }

    @Test
    void recordsPrimitivesBytesFixedAndEnumsMapWithTheirNamesDocsAndDefaults() {
        SchemaAndValue sv = read();
        Schema s = sv.schema();
        Struct v = (Struct) sv.value();

        assertThat(s.name()).isEqualTo("test.shop.Order");
        assertThat(s.doc()).isEqualTo("An order.");
        assertThat(s.parameters())
                .containsEntry(AvroParams.ALIASES, "test.old.Purchase")
                .containsEntry(AvroParams.PROP + "x-owner", "shop");
        assertThat(field(s, "id").doc()).isEqualTo("Order id.");
        assertThat(field(s, "count").defaultValue()).isEqualTo(1);
        assertThat(field(s, "total").parameters()).containsEntry(AvroParams.FIELD_ORDER, "DESCENDING");
        assertThat(field(s, "ratio").defaultValue()).isEqualTo(0.5f);
        assertThat(field(s, "paid").defaultValue()).isEqualTo(false);
        assertThat((byte[]) field(s, "raw").defaultValue()).containsExactly((byte) 0xff, (byte) 0x01);
        assertThat(v.get("id")).isEqualTo("o-1");
        assertThat(v.get("count")).isEqualTo(2);
        assertThat(v.get("total")).isEqualTo(12_345L);
        assertThat(v.get("ratio")).isEqualTo(0.25f);
        assertThat(v.get("score")).isEqualTo(0.125);
        assertThat(v.get("paid")).isEqualTo(true);
        assertThat(v.getBytes("raw")).containsExactly(1, 2, 3);

        Schema hash = field(s, "hash");
        assertThat(hash.type()).isEqualTo(Schema.Type.BYTES);
        assertThat(hash.name()).isEqualTo("test.shop.Md5");
        assertThat(hash.doc()).isEqualTo("Four bytes.");
        assertThat(hash.parameters()).containsEntry(AvroParams.FIXED_SIZE, "4");
        assertThat(v.getBytes("hash")).containsExactly(9, 8, 7, 6);

        Schema status = field(s, "status");
        assertThat(status.type()).isEqualTo(Schema.Type.STRING);
        assertThat(status.name()).isEqualTo("test.shop.Status");
        assertThat(status.doc()).as("the enum's doc").isEqualTo("Where it is.");
        assertThat(status.parameters())
                .containsEntry(AvroParams.ENUM_SYMBOLS, "NEW,PAID,SHIPPED")
                .containsEntry(AvroParams.ENUM_DEFAULT, "NEW")
                .containsEntry(AvroParams.FIELD_DOC, "Current status.");
        assertThat(status.defaultValue()).isEqualTo("PAID");
        assertThat(v.get("status")).isEqualTo("SHIPPED");
    }

    @Test
    void nestedRecordsArraysAndMapsBecomeStructsListsAndMaps() {
        SchemaAndValue sv = read();
        Schema s = sv.schema();
        Struct v = (Struct) sv.value();

        Schema customer = field(s, "customer");
        assertThat(customer.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(customer.name()).isEqualTo("test.shop.Customer");
        assertThat(customer.parameters()).containsEntry(AvroParams.FIELD_DOC, "Who.");
        Struct anon = (Struct) customer.defaultValue();
        assertThat(anon.get("name")).isEqualTo("anon");
        assertThat(anon.get("vip")).isNull();
        assertThat(v.getStruct("customer").get("name")).isEqualTo("ada");
        assertThat(v.getStruct("customer").get("vip")).isEqualTo(true);

        Schema lines = field(s, "lines");
        assertThat(lines.valueSchema().name()).isEqualTo("test.shop.Line");
        assertThat(lines.defaultValue()).isEqualTo(List.of());
        Struct line = (Struct) v.getArray("lines").get(0);
        assertThat(line.get("sku")).isEqualTo("sku-1");
        assertThat(line.get("qty")).isEqualTo(3);

        assertThat(field(s, "tags").keySchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(field(s, "tags").valueSchema().type()).isEqualTo(Schema.Type.INT64);
        assertThat(field(s, "tags").defaultValue()).isEqualTo(Map.of("a", 1L));
        assertThat(v.getMap("tags")).isEqualTo(Map.of("x", 5L));
        assertThat(field(s, "history").valueSchema().valueSchema().name()).isEqualTo("test.shop.Status");
        assertThat(v.getMap("history")).isEqualTo(Map.of("2025", List.of("NEW")));
    }

    @Test
    void unionsWithNullAreOptionalAndOtherUnionsAreStructsWithOneFieldPerBranch() {
        SchemaAndValue sv = read();
        Schema s = sv.schema();
        Struct v = (Struct) sv.value();

        Schema note = field(s, "note");
        assertThat(note.isOptional()).isTrue();
        assertThat(note.type()).isEqualTo(Schema.Type.STRING);
        assertThat(note.defaultValue()).isNull();
        assertThat(note.parameters()).isNull();
        assertThat(v.get("note")).isNull();

        Schema coupon = field(s, "coupon");
        assertThat(coupon.isOptional()).isTrue();
        assertThat(coupon.defaultValue()).isEqualTo("NONE");
        assertThat(coupon.parameters()).containsEntry(AvroParams.UNION_NULL_INDEX, "1");
        assertThat(v.get("coupon")).isEqualTo("SPRING");

        assertThat(field(s, "referrer").parameters()).containsEntry(AvroParams.FIELD_NO_DEFAULT, "true");
        assertThat(field(s, "backup").parameters())
                .containsEntry(AvroParams.FIELD_NO_DEFAULT, "true")
                .containsEntry(AvroParams.UNION_NULL_INDEX, "1");
        assertThat(v.getStruct("backup").get("name")).isEqualTo("bob");

        Schema choice = field(s, "choice");
        assertThat(choice.name()).isEqualTo(AvroParams.UNION);
        assertThat(choice.isOptional()).isFalse();
        assertThat(choice.fields()).extracting(f -> f.name()).containsExactly("int", "string", "test.shop.Customer");
        assertThat(choice.fields()).allMatch(f -> f.schema().isOptional());
        assertThat(((Struct) choice.defaultValue()).get("int")).isEqualTo(7);
        Struct chosen = v.getStruct("choice");
        assertThat(chosen.get("int")).isNull();
        assertThat(chosen.get("string")).isNull();
        assertThat(chosen.getStruct("test.shop.Customer").get("name")).isEqualTo("cy");

        Schema maybe = field(s, "maybe");
        assertThat(maybe.name()).isEqualTo(AvroParams.UNION);
        assertThat(maybe.isOptional()).isTrue();
        assertThat(maybe.fields()).extracting(f -> f.name()).containsExactly("int", "string");
        assertThat(v.getStruct("maybe").get("string")).isEqualTo("five");
    }

    @Test
    void logicalTypesMapToConnectsOwnOrKeepTheirAvroValueWithTheLogicalTypeAsParameter() {
        SchemaAndValue sv = read();
        Schema s = sv.schema();
        Struct v = (Struct) sv.value();

        assertThat(field(s, "created").name()).isEqualTo(Timestamp.LOGICAL_NAME);
        assertThat(v.get("created")).isEqualTo(new Date(CREATED));
        assertThat(field(s, "day").name()).isEqualTo(org.apache.kafka.connect.data.Date.LOGICAL_NAME);
        assertThat(v.get("day")).isEqualTo(new Date(DAY * 86_400_000L));
        assertThat(field(s, "at").name()).isEqualTo(Time.LOGICAL_NAME);
        assertThat(v.get("at")).isEqualTo(new Date(AT));
        // Connect's Timestamp and Time hold milliseconds: the micros types stay int64 and keep every digit.
        for (String micros : List.of("created_us", "at_us", "local")) {
            assertThat(field(s, micros).type()).isEqualTo(Schema.Type.INT64);
            assertThat(field(s, micros).name()).isNull();
        }
        assertThat(field(s, "created_us").parameters())
                .containsEntry(AvroParams.PROP + "logicalType", "timestamp-micros");
        assertThat(field(s, "local").parameters())
                .containsEntry(AvroParams.PROP + "logicalType", "local-timestamp-millis");
        assertThat(v.get("created_us")).isEqualTo(CREATED * 1000 + 456);
        assertThat(v.get("at_us")).isEqualTo(AT * 1000L + 7);

        Schema amount = field(s, "amount");
        assertThat(amount.name()).isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(amount.parameters())
                .containsEntry(Decimal.SCALE_FIELD, "2")
                .containsEntry(AvroParams.DECIMAL_PRECISION, "9");
        assertThat(v.get("amount")).isEqualTo(new BigDecimal("1234567.89"));
        Schema big = field(s, "big");
        assertThat(big.name()).isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(big.parameters())
                .containsEntry(Decimal.SCALE_FIELD, "4")
                .containsEntry(AvroParams.DECIMAL_PRECISION, "20")
                .containsEntry(AvroParams.FIXED, "test.shop.Amount16")
                .containsEntry(AvroParams.FIXED_SIZE, "16");
        assertThat(v.get("big")).isEqualTo(new BigDecimal("-12345678.9012"));

        assertThat(field(s, "uid").type()).isEqualTo(Schema.Type.STRING);
        assertThat(field(s, "uid").parameters()).containsEntry(AvroParams.PROP + "logicalType", "uuid");
        assertThat(v.get("uid")).isEqualTo("5f0c6f7e-4a3b-4c1d-9e2f-0123456789ab");
    }

    @Test
    void avroPropertiesAndFieldAliasesTravelAsParameters() {
        SchemaAndValue sv = read();
        Schema custom = field(sv.schema(), "custom");

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(AvroParams.PROP + "x-unit", "cm");
        expected.put(AvroParams.JSON_PROP + "x-range", "[0,10]");
        expected.put(AvroParams.FIELD_ALIASES, "custom_old");
        expected.put(AvroParams.FIELD_PROP + "x-field", "f");
        assertThat(custom.parameters()).isEqualTo(expected);
        assertThat(field(sv.schema(), "java_string").parameters())
                .isEqualTo(Map.of(AvroParams.PROP + "avro.java.string", "String"));
    }

    @Test
    void theStructConvertsBackToTheSameBytesAndTheSameSchemaText() {
        byte[] written = new TandemAvroSerializer<GenericRecord>(client, false).serialize("orders", order());
        SchemaAndValue sv = converter.toConnectData("orders", written);

        assertThat(converter.fromConnectData("orders", sv.schema(), sv.value())).isEqualTo(written);
        assertThat(ConnectToAvro.schema(sv.schema()).toString()).isEqualTo(ORDER.toString());
        assertThat(client.getAllVersions("orders-value")).hasSize(1);
    }
}
