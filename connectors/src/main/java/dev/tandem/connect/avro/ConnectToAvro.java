package dev.tandem.connect.avro;

import static dev.tandem.connect.avro.AvroParams.param;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect schemas and values to Avro schemas and generic data, the inverse of {@link AvroToConnect}: a Connect schema
 * made from an Avro schema gives that Avro schema back, text for text (so the registry answers with the same id).
 */
final class ConnectToAvro {
    private static final org.apache.avro.Schema NULL = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.NULL);

    private final Map<String, org.apache.avro.Schema> defined = new HashMap<>();
    /** The Connect type each name was defined from: a second, different definition is an error, not a silent merge. */
    private final Map<String, Schema> definedFrom = new HashMap<>();

    private ConnectToAvro() {}

    /** The Avro schema for {@code connect}, parsed back from its text so it is exactly what a registry would hold. */
    static org.apache.avro.Schema schema(Schema connect) {
        try {
            org.apache.avro.Schema built =
                    new ConnectToAvro().type(connect, AvroParams.DEFAULT_NAMESPACE + ".ConnectDefault");
            return new org.apache.avro.Schema.Parser().parse(built.toString());
        } catch (AvroRuntimeException | IllegalArgumentException e) {
            throw new DataException(
                    "Connect schema " + describe(connect) + " has no valid Avro equivalent: " + e.getMessage(), e);
        }
    }

    static String describe(Schema c) {
        return c.name() != null ? c.name() + " (" + c.type() + ")" : c.type().toString();
    }

    private org.apache.avro.Schema type(Schema c, String hint) {
        org.apache.avro.Schema base = base(c, hint);
        if (!c.isOptional()) return base;
        List<org.apache.avro.Schema> types = base.getType() == org.apache.avro.Schema.Type.UNION
                ? new ArrayList<>(base.getTypes())
                : new ArrayList<>(List.of(base));
        String index = param(c, AvroParams.UNION_NULL_INDEX);
        // A non-null default must match the union's first branch, so null goes last then.
        int at = index != null ? Integer.parseInt(index) : c.defaultValue() != null ? types.size() : 0;
        if (at < 0 || at > types.size()) {
            throw new DataException(AvroParams.UNION_NULL_INDEX + "=" + index + " is outside a union of " + types.size()
                    + " other branches (" + describe(c) + ")");
        }
        types.add(at, NULL);
        return org.apache.avro.Schema.createUnion(types);
    }

    private org.apache.avro.Schema base(Schema c, String hint) {
        String name = c.name();
        if (Decimal.LOGICAL_NAME.equals(name)) return decimal(c, hint);
        org.apache.avro.Schema a;
        if (Date.LOGICAL_NAME.equals(name)) {
            a = LogicalTypes.date().addToSchema(primitive(org.apache.avro.Schema.Type.INT));
        } else if (Time.LOGICAL_NAME.equals(name)) {
            a = LogicalTypes.timeMillis().addToSchema(primitive(org.apache.avro.Schema.Type.INT));
        } else if (Timestamp.LOGICAL_NAME.equals(name)) {
            a = LogicalTypes.timestampMillis().addToSchema(primitive(org.apache.avro.Schema.Type.LONG));
        } else {
            switch (c.type()) {
                case INT8, INT16 -> {
                    a = primitive(org.apache.avro.Schema.Type.INT);
                    a.addProp(AvroParams.CONNECT_TYPE_PROP, c.type() == Schema.Type.INT8 ? "int8" : "int16");
                }
                case INT32 -> a = primitive(org.apache.avro.Schema.Type.INT);
                case INT64 -> a = primitive(org.apache.avro.Schema.Type.LONG);
                case FLOAT32 -> a = primitive(org.apache.avro.Schema.Type.FLOAT);
                case FLOAT64 -> a = primitive(org.apache.avro.Schema.Type.DOUBLE);
                case BOOLEAN -> a = primitive(org.apache.avro.Schema.Type.BOOLEAN);
                case STRING -> {
                    if (param(c, AvroParams.ENUM_SYMBOLS) != null) return enumSchema(c, hint);
                    a = primitive(org.apache.avro.Schema.Type.STRING);
                }
                case BYTES -> {
                    if (param(c, AvroParams.FIXED_SIZE) != null) return fixed(c, hint, null);
                    a = primitive(org.apache.avro.Schema.Type.BYTES);
                }
                case ARRAY -> a = org.apache.avro.Schema.createArray(type(c.valueSchema(), hint));
                case MAP -> {
                    if (c.keySchema().type() != Schema.Type.STRING) {
                        throw new DataException("Avro map keys are strings; " + describe(c) + " has "
                                + c.keySchema().type() + " keys");
                    }
                    a = org.apache.avro.Schema.createMap(type(c.valueSchema(), hint));
                }
                case STRUCT -> {
                    return AvroParams.UNION.equals(name) ? union(c, hint) : record(c, hint);
                }
                default -> throw new DataException("Unsupported Connect type " + c.type());
            }
        }
        addProps(a, c);
        return a;
    }

    private static org.apache.avro.Schema primitive(org.apache.avro.Schema.Type t) {
        return org.apache.avro.Schema.create(t);
    }

    private org.apache.avro.Schema record(Schema c, String hint) {
        String full = c.name() != null ? fullName(c.name()) : fresh(hint);
        org.apache.avro.Schema existing = existing(full, c);
        if (existing != null) return existing;
        int dot = full.lastIndexOf('.');
        org.apache.avro.Schema rec = org.apache.avro.Schema.createRecord(
                full.substring(dot + 1), c.doc(), dot < 0 ? null : full.substring(0, dot), false);
        // Defined before its fields are, so a nested struct reusing the name is compared with it.
        define(full, c, rec);
        List<org.apache.avro.Schema.Field> fields = new ArrayList<>();
        for (Field f : c.fields()) fields.add(field(f, full));
        rec.setFields(fields);
        return rec;
    }

    private org.apache.avro.Schema.Field field(Field f, String recordName) {
        Schema fs = f.schema();
        String name = simpleName(f.name());
        org.apache.avro.Schema ft = type(fs, recordName + "_" + name);
        String doc = param(fs, AvroParams.FIELD_DOC);
        if (doc == null && !namedInAvro(fs)) doc = fs.doc();
        Object dflt = null;
        if (param(fs, AvroParams.FIELD_NO_DEFAULT) == null) {
            if (fs.defaultValue() != null) dflt = json(value(fs, ft, fs.defaultValue()), ft);
            else if (fs.isOptional()) dflt = JsonProperties.NULL_VALUE;
        }
        String order = param(fs, AvroParams.FIELD_ORDER);
        org.apache.avro.Schema.Field af = new org.apache.avro.Schema.Field(
                name,
                ft,
                doc,
                dflt,
                order == null
                        ? org.apache.avro.Schema.Field.Order.ASCENDING
                        : org.apache.avro.Schema.Field.Order.valueOf(order));
        for (String alias : AvroParams.list(param(fs, AvroParams.FIELD_ALIASES))) af.addAlias(alias);
        AvroParams.props(fs.parameters(), AvroParams.FIELD_PROP, AvroParams.FIELD_JSON_PROP)
                .forEach(af::addProp);
        return af;
    }

    /** Whether the Connect schema stands for an Avro record, enum or fixed, whose doc is the type's, not the field's. */
    private static boolean namedInAvro(Schema c) {
        return switch (c.type()) {
            case STRUCT -> !AvroParams.UNION.equals(c.name());
            case STRING -> param(c, AvroParams.ENUM_SYMBOLS) != null;
            case BYTES -> param(c, AvroParams.FIXED_SIZE) != null;
            default -> false;
        };
    }

    private org.apache.avro.Schema union(Schema c, String hint) {
        List<org.apache.avro.Schema> branches = new ArrayList<>();
        for (Field f : c.fields()) branches.add(base(f.schema(), hint + "_" + simpleName(f.name())));
        return org.apache.avro.Schema.createUnion(branches);
    }

    private org.apache.avro.Schema enumSchema(Schema c, String hint) {
        String declared = param(c, AvroParams.ENUM) != null ? param(c, AvroParams.ENUM) : c.name();
        String full = declared != null ? fullName(declared) : fresh(hint);
        org.apache.avro.Schema existing = existing(full, c);
        if (existing != null) return existing;
        int dot = full.lastIndexOf('.');
        org.apache.avro.Schema e = org.apache.avro.Schema.createEnum(
                full.substring(dot + 1),
                c.doc(),
                dot < 0 ? null : full.substring(0, dot),
                AvroParams.list(param(c, AvroParams.ENUM_SYMBOLS)),
                param(c, AvroParams.ENUM_DEFAULT));
        return define(full, c, e);
    }

    private org.apache.avro.Schema fixed(Schema c, String hint, LogicalTypes.Decimal decimal) {
        String declared = param(c, AvroParams.FIXED);
        if (declared == null && decimal == null) declared = c.name();
        String full = declared != null ? fullName(declared) : fresh(hint);
        org.apache.avro.Schema existing = existing(full, c);
        if (existing != null) return existing;
        int dot = full.lastIndexOf('.');
        int size;
        try {
            size = Integer.parseInt(param(c, AvroParams.FIXED_SIZE));
        } catch (NumberFormatException e) {
            throw new DataException(AvroParams.FIXED_SIZE + " of " + describe(c) + " is not a number", e);
        }
        org.apache.avro.Schema f = org.apache.avro.Schema.createFixed(
                full.substring(dot + 1), c.doc(), dot < 0 ? null : full.substring(0, dot), size);
        if (decimal != null) decimal.addToSchema(f);
        return define(full, c, f);
    }

    private org.apache.avro.Schema decimal(Schema c, String hint) {
        String scale = param(c, Decimal.SCALE_FIELD);
        String precision = param(c, AvroParams.DECIMAL_PRECISION);
        if (precision == null) precision = param(c, AvroParams.CONFLUENT_DECIMAL_PRECISION);
        LogicalTypes.Decimal d;
        try {
            int s = Integer.parseInt(scale);
            int p = precision != null ? Integer.parseInt(precision) : Math.max(AvroParams.DEFAULT_DECIMAL_PRECISION, s);
            d = LogicalTypes.decimal(p, s);
        } catch (NumberFormatException e) {
            throw new DataException("Decimal schema with scale '" + scale + "' and precision '" + precision + "'", e);
        }
        if (param(c, AvroParams.FIXED_SIZE) != null) return fixed(c, hint, d);
        org.apache.avro.Schema a = d.addToSchema(primitive(org.apache.avro.Schema.Type.BYTES));
        addProps(a, c);
        return a;
    }

    private org.apache.avro.Schema existing(String full, Schema c) {
        org.apache.avro.Schema a = defined.get(full);
        if (a != null && !definedFrom.get(full).equals(AvroParams.typeOf(c))) {
            throw new DataException("Two different Connect schemas would both be the Avro type " + full);
        }
        return a;
    }

    private org.apache.avro.Schema define(String full, Schema c, org.apache.avro.Schema a) {
        defined.put(full, a);
        definedFrom.put(full, AvroParams.typeOf(c));
        for (String alias : AvroParams.list(param(c, AvroParams.ALIASES))) a.addAlias(alias);
        addProps(a, c);
        return a;
    }

    /** A name for a struct Connect left unnamed: its place in the schema, made unique. */
    private String fresh(String hint) {
        String full = fullName(hint);
        String candidate = full;
        for (int n = 2; defined.containsKey(candidate); n++) candidate = full + n;
        return candidate;
    }

    private static void addProps(org.apache.avro.Schema a, Schema c) {
        AvroParams.props(c.parameters(), AvroParams.PROP, AvroParams.JSON_PROP).forEach(a::addProp);
    }

    /** Each dot-separated part made an Avro name: letters, digits and underscores, not starting with a digit. */
    static String fullName(String name) {
        String[] parts = name.split("\\.", -1);
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (out.length() > 0) out.append('.');
            out.append(simpleName(part));
        }
        return out.toString();
    }

    static String simpleName(String name) {
        StringBuilder out = new StringBuilder(name.length() + 1);
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) out.append('_');
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
            out.append(ok ? ch : '_');
        }
        return out.toString();
    }

    /** {@code v}, a value of Connect schema {@code c}, as generic data of {@code a} (the Avro schema made from c). */
    static Object value(Schema c, org.apache.avro.Schema a, Object v) {
        if (v == null) {
            if (a.getType() == org.apache.avro.Schema.Type.NULL
                    || (a.isUnion() && a.getTypes().contains(NULL))) {
                return null;
            }
            throw new DataException("null for the required " + describe(c));
        }
        switch (a.getType()) {
            case UNION -> {
                List<org.apache.avro.Schema> branches = new ArrayList<>(a.getTypes());
                branches.remove(NULL);
                if (c.type() != Schema.Type.STRUCT || !AvroParams.UNION.equals(c.name())) {
                    return value(c, branches.get(0), v);
                }
                Struct s = (Struct) v;
                int set = -1;
                for (int i = 0; i < c.fields().size(); i++) {
                    if (s.get(c.fields().get(i)) == null) continue;
                    if (set >= 0) throw new DataException("More than one branch of a union is set: " + s);
                    set = i;
                }
                if (set < 0) {
                    if (a.getTypes().contains(NULL)) return null;
                    throw new DataException("No branch of the union " + a + " is set");
                }
                Field f = c.fields().get(set);
                return value(f.schema(), branches.get(set), s.get(f));
            }
            case RECORD -> {
                Struct s = (Struct) v;
                // Fields, not whole schemas: a struct default is built on the field's schema before it had the default.
                if (s.schema() != c && !s.schema().fields().equals(c.fields())) {
                    throw new DataException("A struct of schema " + describe(s.schema()) + " given for " + describe(c));
                }
                GenericData.Record r = new GenericData.Record(a);
                List<Field> fields = c.fields();
                List<org.apache.avro.Schema.Field> avroFields = a.getFields();
                for (int i = 0; i < fields.size(); i++) {
                    Field f = fields.get(i);
                    r.put(i, value(f.schema(), avroFields.get(i).schema(), s.get(f)));
                }
                return r;
            }
            case ENUM -> {
                String symbol = v.toString();
                if (!a.hasEnumSymbol(symbol)) {
                    throw new DataException(
                            "'" + symbol + "' is not a symbol of enum " + a.getFullName() + " " + a.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(a, symbol);
            }
            case FIXED -> {
                if (a.getLogicalType() instanceof LogicalTypes.Decimal d) {
                    return AvroToConnect.DECIMAL.toFixed((java.math.BigDecimal) v, a, d);
                }
                byte[] bytes = bytes(v);
                if (bytes.length != a.getFixedSize()) {
                    throw new DataException(
                            bytes.length + " bytes for fixed " + a.getFullName() + " of size " + a.getFixedSize());
                }
                return new GenericData.Fixed(a, bytes);
            }
            case BYTES -> {
                if (a.getLogicalType() instanceof LogicalTypes.Decimal d) {
                    return AvroToConnect.DECIMAL.toBytes((java.math.BigDecimal) v, a, d);
                }
                return ByteBuffer.wrap(bytes(v));
            }
            case STRING -> {
                return ((CharSequence) v).toString();
            }
            case INT -> {
                if (Date.LOGICAL_NAME.equals(c.name())) return Date.fromLogical(c, (java.util.Date) v);
                if (Time.LOGICAL_NAME.equals(c.name())) return Time.fromLogical(c, (java.util.Date) v);
                return ((Number) v).intValue();
            }
            case LONG -> {
                if (Timestamp.LOGICAL_NAME.equals(c.name())) return Timestamp.fromLogical(c, (java.util.Date) v);
                return ((Number) v).longValue();
            }
            case FLOAT -> {
                return ((Number) v).floatValue();
            }
            case DOUBLE -> {
                return ((Number) v).doubleValue();
            }
            case BOOLEAN -> {
                return (Boolean) v;
            }
            case ARRAY -> {
                List<?> items = (List<?>) v;
                GenericData.Array<Object> out = new GenericData.Array<>(items.size(), a);
                for (Object item : items) out.add(value(c.valueSchema(), a.getElementType(), item));
                return out;
            }
            case MAP -> {
                Map<?, ?> map = (Map<?, ?>) v;
                Map<String, Object> out = new LinkedHashMap<>(map.size() * 2);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (e.getKey() == null) throw new DataException("A null key in a map of " + describe(c));
                    out.put(e.getKey().toString(), value(c.valueSchema(), a.getValueType(), e.getValue()));
                }
                return out;
            }
            default -> {
                return null;
            }
        }
    }

    /** Generic data as the plain Java values Avro takes for a field default (it writes them as JSON). */
    private static Object json(Object datum, org.apache.avro.Schema a) {
        if (datum == null) return JsonProperties.NULL_VALUE;
        return switch (a.getType()) {
            case UNION -> json(datum, a.getTypes().get(GenericData.get().resolveUnion(a, datum)));
            case RECORD -> {
                IndexedRecord r = (IndexedRecord) datum;
                Map<String, Object> m = new LinkedHashMap<>();
                for (org.apache.avro.Schema.Field f : a.getFields()) m.put(f.name(), json(r.get(f.pos()), f.schema()));
                yield m;
            }
            case ENUM -> datum.toString();
            // Avro's JSON for bytes is a string of ISO-8859-1 code points, one per byte; byte[] would become base64.
            case FIXED -> new String(((GenericFixed) datum).bytes(), StandardCharsets.ISO_8859_1);
            case BYTES -> new String(bytes(datum), StandardCharsets.ISO_8859_1);
            case ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (Object item : (List<?>) datum) l.add(json(item, a.getElementType()));
                yield l;
            }
            case MAP -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) {
                    m.put(e.getKey().toString(), json(e.getValue(), a.getValueType()));
                }
                yield m;
            }
            default -> datum;
        };
    }

    private static byte[] bytes(Object v) {
        if (v instanceof byte[] b) return b;
        ByteBuffer buf = ((ByteBuffer) v).duplicate();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }
}
