package dev.tandem.connect.avro;

import static dev.tandem.connect.avro.AvroParams.copy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Avro schemas and generic data (as {@link org.apache.avro.generic.GenericDatumReader} reads them, without
 * logical-type conversions) to Connect schemas and values. See the converter's class comment for the mapping.
 */
final class AvroToConnect {
    static final Conversions.DecimalConversion DECIMAL = new Conversions.DecimalConversion();
    private static final Set<String> LOGICAL_PROPS = Set.of("logicalType", "precision", "scale");

    /** Named types converted so far in this schema: a second use of an Avro name is the same Connect type. */
    private final Map<String, Schema> named = new HashMap<>();

    private final Set<String> inProgress = new HashSet<>();

    private AvroToConnect() {}

    static Schema schema(org.apache.avro.Schema avro) {
        return new AvroToConnect().type(avro);
    }

    private Schema type(org.apache.avro.Schema a) {
        return switch (a.getType()) {
            case RECORD -> record(a);
            case ENUM -> named(a, enumSchema(a));
            case FIXED -> named(a, fixed(a));
            case UNION -> union(a);
            case ARRAY ->
                withProps(SchemaBuilder.array(type(a.getElementType())), a, Set.of())
                        .build();
            case MAP ->
                withProps(SchemaBuilder.map(Schema.STRING_SCHEMA, type(a.getValueType())), a, Set.of())
                        .build();
            case STRING -> withProps(SchemaBuilder.string(), a, Set.of()).build();
            case BYTES ->
                isDecimal(a)
                        ? decimal(a).build()
                        : withProps(SchemaBuilder.bytes(), a, Set.of()).build();
            case INT -> intSchema(a);
            case LONG ->
                logical(a, "timestamp-millis")
                        ? withProps(Timestamp.builder(), a, LOGICAL_PROPS).build()
                        : withProps(SchemaBuilder.int64(), a, Set.of()).build();
            case FLOAT -> withProps(SchemaBuilder.float32(), a, Set.of()).build();
            case DOUBLE -> withProps(SchemaBuilder.float64(), a, Set.of()).build();
            case BOOLEAN -> withProps(SchemaBuilder.bool(), a, Set.of()).build();
            case NULL -> throw new DataException("Avro type null outside a union has no Connect equivalent");
        };
    }

    private Schema intSchema(org.apache.avro.Schema a) {
        if (logical(a, "date"))
            return withProps(Date.builder(), a, LOGICAL_PROPS).build();
        if (logical(a, "time-millis"))
            return withProps(Time.builder(), a, LOGICAL_PROPS).build();
        Object connectType = a.getObjectProp(AvroParams.CONNECT_TYPE_PROP);
        Set<String> consumed = Set.of(AvroParams.CONNECT_TYPE_PROP);
        if ("int8".equals(connectType))
            return withProps(SchemaBuilder.int8(), a, consumed).build();
        if ("int16".equals(connectType))
            return withProps(SchemaBuilder.int16(), a, consumed).build();
        return withProps(SchemaBuilder.int32(), a, Set.of()).build();
    }

    private Schema record(org.apache.avro.Schema a) {
        String full = a.getFullName();
        Schema done = named.get(full);
        if (done != null) return done;
        if (!inProgress.add(full)) {
            throw new DataException("Avro schema " + full + " refers to itself; Connect schemas cannot be recursive");
        }
        SchemaBuilder b = SchemaBuilder.struct().name(full);
        if (a.getDoc() != null) b.doc(a.getDoc());
        aliases(b, a);
        withProps(b, a, Set.of());
        for (org.apache.avro.Schema.Field f : a.getFields()) b.field(f.name(), field(f));
        inProgress.remove(full);
        Schema s = b.build();
        named.put(full, s);
        return s;
    }

    private Schema named(org.apache.avro.Schema a, SchemaBuilder b) {
        return named.computeIfAbsent(a.getFullName(), n -> {
            if (a.getDoc() != null) b.doc(a.getDoc());
            aliases(b, a);
            return b.build();
        });
    }

    private static SchemaBuilder enumSchema(org.apache.avro.Schema a) {
        SchemaBuilder b = SchemaBuilder.string()
                .name(a.getFullName())
                .parameter(AvroParams.ENUM, a.getFullName())
                .parameter(AvroParams.ENUM_SYMBOLS, String.join(",", a.getEnumSymbols()));
        if (a.getEnumDefault() != null) b.parameter(AvroParams.ENUM_DEFAULT, a.getEnumDefault());
        return withProps(b, a, Set.of());
    }

    private static SchemaBuilder fixed(org.apache.avro.Schema a) {
        SchemaBuilder b = isDecimal(a) ? decimal(a) : SchemaBuilder.bytes().name(a.getFullName());
        b.parameter(AvroParams.FIXED, a.getFullName())
                .parameter(AvroParams.FIXED_SIZE, String.valueOf(a.getFixedSize()));
        return isDecimal(a) ? b : withProps(b, a, Set.of());
    }

    private static SchemaBuilder decimal(org.apache.avro.Schema a) {
        LogicalTypes.Decimal d = (LogicalTypes.Decimal) a.getLogicalType();
        SchemaBuilder b =
                Decimal.builder(d.getScale()).parameter(AvroParams.DECIMAL_PRECISION, String.valueOf(d.getPrecision()));
        return withProps(b, a, LOGICAL_PROPS);
    }

    private Schema union(org.apache.avro.Schema a) {
        List<org.apache.avro.Schema> others = new ArrayList<>();
        int nullIndex = -1;
        for (int i = 0; i < a.getTypes().size(); i++) {
            org.apache.avro.Schema t = a.getTypes().get(i);
            if (t.getType() == org.apache.avro.Schema.Type.NULL) nullIndex = i;
            else others.add(t);
        }
        Map<String, String> extra =
                nullIndex > 0 ? Map.of(AvroParams.UNION_NULL_INDEX, String.valueOf(nullIndex)) : Map.of();
        if (nullIndex >= 0 && others.size() == 1) {
            Schema t = type(others.get(0));
            return copy(t, true, null, t.doc(), extra);
        }
        // Confluent's shape: a struct with one optional field per branch, exactly one of them set.
        SchemaBuilder b = SchemaBuilder.struct().name(AvroParams.UNION);
        for (org.apache.avro.Schema o : others) {
            Schema t = type(o);
            b.field(branchName(o), copy(t, true, null, t.doc(), Map.of()));
        }
        if (nullIndex >= 0) b.optional();
        if (!extra.isEmpty()) b.parameters(extra);
        return b.build();
    }

    static String branchName(org.apache.avro.Schema branch) {
        return switch (branch.getType()) {
            case RECORD, ENUM, FIXED -> branch.getFullName();
            default -> branch.getType().getName();
        };
    }

    private Schema field(org.apache.avro.Schema.Field f) {
        org.apache.avro.Schema fa = f.schema();
        Schema t = type(fa);
        Map<String, String> extra = new LinkedHashMap<>();
        String doc = t.doc();
        if (f.doc() != null) {
            // Records, enums and fixed have a doc of their own: the field's goes beside it.
            if (isNamed(fa)) extra.put(AvroParams.FIELD_DOC, f.doc());
            else doc = f.doc();
        }
        if (!f.aliases().isEmpty()) extra.put(AvroParams.FIELD_ALIASES, String.join(",", f.aliases()));
        if (f.order() != org.apache.avro.Schema.Field.Order.ASCENDING) {
            extra.put(AvroParams.FIELD_ORDER, f.order().name());
        }
        AvroParams.putProps(extra, f.getObjectProps(), AvroParams.FIELD_PROP, AvroParams.FIELD_JSON_PROP);
        Object dflt = null;
        if (f.hasDefaultValue()) {
            dflt = value(t, fa, GenericData.get().getDefaultValue(f));
        } else if (t.isOptional()) {
            extra.put(AvroParams.FIELD_NO_DEFAULT, "true");
        }
        if (dflt == null && extra.isEmpty() && Objects.equals(doc, t.doc())) return t;
        return copy(t, t.isOptional(), dflt, doc, extra);
    }

    /** Whether the Avro type (or the non-null branch of a nullable union) carries a name and doc of its own. */
    static boolean isNamed(org.apache.avro.Schema a) {
        if (a.getType() == org.apache.avro.Schema.Type.UNION) {
            List<org.apache.avro.Schema> types = a.getTypes();
            if (types.size() != 2) return false;
            boolean firstNull = types.get(0).getType() == org.apache.avro.Schema.Type.NULL;
            boolean secondNull = types.get(1).getType() == org.apache.avro.Schema.Type.NULL;
            return firstNull != secondNull && isNamed(types.get(firstNull ? 1 : 0));
        }
        return switch (a.getType()) {
            case RECORD, ENUM, FIXED -> true;
            default -> false;
        };
    }

    private static void aliases(SchemaBuilder b, org.apache.avro.Schema a) {
        if (!a.getAliases().isEmpty()) b.parameter(AvroParams.ALIASES, String.join(",", a.getAliases()));
    }

    private static SchemaBuilder withProps(SchemaBuilder b, org.apache.avro.Schema a, Set<String> consumed) {
        Map<String, Object> props = new LinkedHashMap<>(a.getObjectProps());
        props.keySet().removeAll(consumed);
        if (props.isEmpty()) return b;
        Map<String, String> params = new LinkedHashMap<>();
        AvroParams.putProps(params, props, AvroParams.PROP, AvroParams.JSON_PROP);
        return b.parameters(params);
    }

    private static boolean logical(org.apache.avro.Schema a, String name) {
        LogicalType lt = a.getLogicalType();
        return lt != null && lt.getName().equals(name);
    }

    private static boolean isDecimal(org.apache.avro.Schema a) {
        return a.getLogicalType() instanceof LogicalTypes.Decimal;
    }

    /** {@code datum} of Avro schema {@code a} as a value of {@code c}, the Connect schema made from {@code a}. */
    static Object value(Schema c, org.apache.avro.Schema a, Object datum) {
        if (datum == null) return null;
        switch (a.getType()) {
            case UNION -> {
                int i = GenericData.get().resolveUnion(a, datum);
                org.apache.avro.Schema branch = a.getTypes().get(i);
                if (c.type() != Schema.Type.STRUCT || !AvroParams.UNION.equals(c.name())) {
                    return value(c, branch, datum);
                }
                int position = 0;
                for (int j = 0; j < i; j++) {
                    if (a.getTypes().get(j).getType() != org.apache.avro.Schema.Type.NULL) position++;
                }
                Struct s = new Struct(c);
                Field f = c.fields().get(position);
                s.put(f, value(f.schema(), branch, datum));
                return s;
            }
            case RECORD -> {
                IndexedRecord r = (IndexedRecord) datum;
                Struct s = new Struct(c);
                List<Field> fields = c.fields();
                List<org.apache.avro.Schema.Field> avroFields = a.getFields();
                for (int i = 0; i < fields.size(); i++) {
                    Field f = fields.get(i);
                    s.put(f, value(f.schema(), avroFields.get(i).schema(), r.get(i)));
                }
                return s;
            }
            case ENUM, STRING -> {
                return datum.toString();
            }
            case FIXED -> {
                if (datum instanceof BigDecimal bd) return bd;
                GenericFixed fixed = (GenericFixed) datum;
                return isDecimal(a) ? DECIMAL.fromFixed(fixed, a, a.getLogicalType()) : fixed.bytes();
            }
            case BYTES -> {
                if (datum instanceof BigDecimal bd) return bd;
                byte[] bytes = bytes(datum);
                return isDecimal(a) ? DECIMAL.fromBytes(ByteBuffer.wrap(bytes), a, a.getLogicalType()) : bytes;
            }
            case INT -> {
                return intValue(c, datum);
            }
            case LONG -> {
                if (Timestamp.LOGICAL_NAME.equals(c.name())) {
                    long millis = datum instanceof Instant t ? t.toEpochMilli() : ((Number) datum).longValue();
                    return Timestamp.toLogical(c, millis);
                }
                return ((Number) datum).longValue();
            }
            case FLOAT -> {
                return ((Number) datum).floatValue();
            }
            case DOUBLE -> {
                return ((Number) datum).doubleValue();
            }
            case BOOLEAN -> {
                return (Boolean) datum;
            }
            case ARRAY -> {
                Collection<?> items = (Collection<?>) datum;
                List<Object> out = new ArrayList<>(items.size());
                for (Object item : items) out.add(value(c.valueSchema(), a.getElementType(), item));
                return out;
            }
            case MAP -> {
                Map<?, ?> map = (Map<?, ?>) datum;
                Map<String, Object> out = new LinkedHashMap<>(map.size() * 2);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.put(e.getKey().toString(), value(c.valueSchema(), a.getValueType(), e.getValue()));
                }
                return out;
            }
            default -> {
                return null;
            }
        }
    }

    private static Object intValue(Schema c, Object datum) {
        if (Date.LOGICAL_NAME.equals(c.name())) {
            int days = datum instanceof LocalDate d ? (int) d.toEpochDay() : ((Number) datum).intValue();
            return Date.toLogical(c, days);
        }
        if (Time.LOGICAL_NAME.equals(c.name())) {
            int millis =
                    datum instanceof LocalTime t ? (int) (t.toNanoOfDay() / 1_000_000) : ((Number) datum).intValue();
            return Time.toLogical(c, millis);
        }
        int v = ((Number) datum).intValue();
        if (c.type() == Schema.Type.INT8) {
            if (v != (byte) v) throw new DataException(v + " is out of range for an INT8 schema");
            return (byte) v;
        }
        if (c.type() == Schema.Type.INT16) {
            if (v != (short) v) throw new DataException(v + " is out of range for an INT16 schema");
            return (short) v;
        }
        return v;
    }

    private static byte[] bytes(Object datum) {
        if (datum instanceof byte[] b) return b;
        ByteBuffer buf = ((ByteBuffer) datum).duplicate();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }
}
