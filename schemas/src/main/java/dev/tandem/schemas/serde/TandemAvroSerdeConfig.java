package dev.tandem.schemas.serde;

import java.util.Map;

/**
 * The serde's own settings, under Confluent's key names. The registry connection keys are read
 * by {@link dev.tandem.schemas.registry.RegistryClientConfig}.
 */
public record TandemAvroSerdeConfig(
        boolean autoRegisterSchemas,
        boolean useLatestVersion,
        boolean latestCompatibilityStrict,
        boolean specificAvroReader,
        SubjectNameStrategy keySubjectNameStrategy,
        SubjectNameStrategy valueSubjectNameStrategy) {
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String LATEST_COMPATIBILITY_STRICT = "latest.compatibility.strict";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";

    public static TandemAvroSerdeConfig defaults() {
        return from(Map.of());
    }

    public static TandemAvroSerdeConfig from(Map<String, ?> configs) {
        return new TandemAvroSerdeConfig(
                bool(configs, AUTO_REGISTER_SCHEMAS, true),
                bool(configs, USE_LATEST_VERSION, false),
                bool(configs, LATEST_COMPATIBILITY_STRICT, true),
                bool(configs, SPECIFIC_AVRO_READER, false),
                SubjectNameStrategy.of(configs.get(KEY_SUBJECT_NAME_STRATEGY)),
                SubjectNameStrategy.of(configs.get(VALUE_SUBJECT_NAME_STRATEGY)));
    }

    public SubjectNameStrategy strategy(boolean isKey) {
        return isKey ? keySubjectNameStrategy : valueSubjectNameStrategy;
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean dflt) {
        Object v = configs.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        String s = v.toString().trim();
        if (s.equalsIgnoreCase("true")) return true;
        if (s.equalsIgnoreCase("false")) return false;
        throw new IllegalArgumentException("'" + key + "' must be true or false, got '" + v + "'");
    }
}
