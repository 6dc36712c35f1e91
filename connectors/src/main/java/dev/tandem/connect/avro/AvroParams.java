package dev.tandem.connect.avro;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.util.internal.JacksonUtils;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * The Connect schema parameters that carry what Connect's schema model has no place for (enum symbols, fixed sizes,
 * union layout, field docs, aliases, Avro properties), so that Connect → Avro gives back the registered schema text
 * and with it the same schema id. Type-level parameters describe the Avro type; {@code dev.tandem.avro.field.*}
 * ones sit on a field's schema and describe the Avro field.
 */
public final class AvroParams {
    /** Connect STRING from an Avro enum: its full name; {@link #ENUM_SYMBOLS} and {@link #ENUM_DEFAULT} go with it. */
    public static final String ENUM = "dev.tandem.avro.enum";
    /** Comma-separated, in order (Avro symbols are identifiers, so commas cannot occur in them). */
    public static final String ENUM_SYMBOLS = "dev.tandem.avro.enum.symbols";

    public static final String ENUM_DEFAULT = "dev.tandem.avro.enum.default";
    /** Connect BYTES (or Decimal) from an Avro fixed: its full name and size. */
    public static final String FIXED = "dev.tandem.avro.fixed";

    public static final String FIXED_SIZE = "dev.tandem.avro.fixed.size";
    /** Avro decimals have a precision; Connect's Decimal only a scale. */
    public static final String DECIMAL_PRECISION = "dev.tandem.avro.decimal.precision";
    /** Also read on the way to Avro, as Debezium and Confluent's converter write it. */
    public static final String CONFLUENT_DECIMAL_PRECISION = "connect.decimal.precision";
    /** Bytes decimals without a precision parameter get this one (Confluent's choice too). */
    public static final int DEFAULT_DECIMAL_PRECISION = 64;
    /** Name of the Connect struct standing for a general union: one optional field per non-null branch. */
    public static final String UNION = "dev.tandem.avro.Union";
    /** Position of {@code null} in a union when it is not where Connect → Avro would put it (first). */
    public static final String UNION_NULL_INDEX = "dev.tandem.avro.union.null";
    /** Comma-separated aliases of a record, enum or fixed. */
    public static final String ALIASES = "dev.tandem.avro.aliases";
    /** An Avro property with a string value (e.g. {@code avro.java.string}), by its name after the prefix. */
    public static final String PROP = "dev.tandem.avro.prop.";
    /** An Avro property with any other JSON value, as JSON text. */
    public static final String JSON_PROP = "dev.tandem.avro.jsonprop.";

    public static final String FIELD_DOC = "dev.tandem.avro.field.doc";
    public static final String FIELD_ALIASES = "dev.tandem.avro.field.aliases";
    /** Only when not {@code ascending}. */
    public static final String FIELD_ORDER = "dev.tandem.avro.field.order";
    /** An optional Connect field whose Avro field has no default (Connect cannot tell "no default" from null). */
    public static final String FIELD_NO_DEFAULT = "dev.tandem.avro.field.nodefault";

    public static final String FIELD_PROP = "dev.tandem.avro.field.prop.";
    public static final String FIELD_JSON_PROP = "dev.tandem.avro.field.jsonprop.";
    /** Avro property on an {@code int} written from a Connect INT8 or INT16, so reading it back restores the type. */
    public static final String CONNECT_TYPE_PROP = "dev.tandem.connect.type";

    static final String FIELD_PREFIX = "dev.tandem.avro.field.";
    /** Where Connect → Avro puts records whose Connect struct has no name. */
    static final String DEFAULT_NAMESPACE = "dev.tandem.connect.avro";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AvroParams() {}

    /** Avro properties as parameters: strings as they are, anything else as JSON text. */
    static void putProps(
            Map<String, String> params, Map<String, Object> props, String stringPrefix, String jsonPrefix) {
        for (Map.Entry<String, Object> p : props.entrySet()) {
            if (p.getValue() instanceof String s) {
                params.put(stringPrefix + p.getKey(), s);
            } else {
                params.put(
                        jsonPrefix + p.getKey(),
                        JacksonUtils.toJsonNode(p.getValue()).toString());
            }
        }
    }

    /** The inverse of {@link #putProps}, in parameter order. */
    static Map<String, Object> props(Map<String, String> params, String stringPrefix, String jsonPrefix) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (params == null) return out;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String k = p.getKey();
            if (k.startsWith(stringPrefix)) {
                out.put(k.substring(stringPrefix.length()), p.getValue());
            } else if (k.startsWith(jsonPrefix)) {
                try {
                    Object v = JacksonUtils.toObject(JSON.readTree(p.getValue()));
                    out.put(k.substring(jsonPrefix.length()), v == null ? JsonProperties.NULL_VALUE : v);
                } catch (IOException e) {
                    throw new DataException("Schema parameter '" + k + "' is not JSON: " + p.getValue(), e);
                }
            }
        }
        return out;
    }

    static String param(Schema s, String key) {
        Map<String, String> p = s.parameters();
        return p == null ? null : p.get(key);
    }

    static List<String> list(String commaSeparated) {
        return commaSeparated == null || commaSeparated.isEmpty() ? List.of() : List.of(commaSeparated.split(","));
    }

    /**
     * {@code s} with another optionality, default, doc and extra parameters. Built directly rather than with
     * {@link org.apache.kafka.connect.data.SchemaBuilder}, whose default-value check rejects a Struct default
     * (the Struct's schema is never equal to the builder); the default is checked against {@code s} instead.
     */
    static Schema copy(Schema s, boolean optional, Object defaultValue, String doc, Map<String, String> extra) {
        if (defaultValue != null) {
            try {
                ConnectSchema.validateValue(s, defaultValue);
            } catch (DataException e) {
                throw new DataException("Invalid default " + defaultValue + " for " + s + ": " + e.getMessage(), e);
            }
        }
        Map<String, String> params = s.parameters();
        if (!extra.isEmpty()) {
            params = params == null ? new LinkedHashMap<>() : new LinkedHashMap<>(params);
            params.putAll(extra);
        }
        List<Field> fields = s.type() == Schema.Type.STRUCT ? s.fields() : null;
        Schema key = s.type() == Schema.Type.MAP ? s.keySchema() : null;
        Schema value = s.type() == Schema.Type.MAP || s.type() == Schema.Type.ARRAY ? s.valueSchema() : null;
        return new ConnectSchema(
                s.type(), optional, defaultValue, s.name(), s.version(), doc, params, fields, key, value);
    }

    /** {@code s} as a type: required, no default, without the parameters that belong to a field. */
    static Schema typeOf(Schema s) {
        Map<String, String> params = null;
        if (s.parameters() != null) {
            params = new LinkedHashMap<>();
            for (Map.Entry<String, String> p : s.parameters().entrySet()) {
                if (!p.getKey().startsWith(FIELD_PREFIX) && !p.getKey().equals(UNION_NULL_INDEX)) {
                    params.put(p.getKey(), p.getValue());
                }
            }
            if (params.isEmpty()) params = null;
        }
        List<Field> fields = s.type() == Schema.Type.STRUCT ? s.fields() : null;
        Schema key = s.type() == Schema.Type.MAP ? s.keySchema() : null;
        Schema value = s.type() == Schema.Type.MAP || s.type() == Schema.Type.ARRAY ? s.valueSchema() : null;
        return new ConnectSchema(s.type(), false, null, s.name(), s.version(), s.doc(), params, fields, key, value);
    }
}
