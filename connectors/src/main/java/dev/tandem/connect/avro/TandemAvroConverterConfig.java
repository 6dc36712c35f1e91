package dev.tandem.connect.avro;

import static dev.tandem.schemas.registry.RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE;
import static dev.tandem.schemas.registry.RegistryClientConfig.BASIC_AUTH_USER_INFO;
import static dev.tandem.schemas.registry.RegistryClientConfig.CONNECT_TIMEOUT_MS;
import static dev.tandem.schemas.registry.RegistryClientConfig.KEYSTORE_LOCATION;
import static dev.tandem.schemas.registry.RegistryClientConfig.KEYSTORE_PASSWORD;
import static dev.tandem.schemas.registry.RegistryClientConfig.KEYSTORE_TYPE;
import static dev.tandem.schemas.registry.RegistryClientConfig.KEY_PASSWORD;
import static dev.tandem.schemas.registry.RegistryClientConfig.MAX_RETRIES;
import static dev.tandem.schemas.registry.RegistryClientConfig.REQUEST_TIMEOUT_MS;
import static dev.tandem.schemas.registry.RegistryClientConfig.RETRIES_MAX_WAIT_MS;
import static dev.tandem.schemas.registry.RegistryClientConfig.RETRIES_WAIT_MS;
import static dev.tandem.schemas.registry.RegistryClientConfig.TRUSTSTORE_LOCATION;
import static dev.tandem.schemas.registry.RegistryClientConfig.TRUSTSTORE_PASSWORD;
import static dev.tandem.schemas.registry.RegistryClientConfig.TRUSTSTORE_TYPE;
import static dev.tandem.schemas.registry.RegistryClientConfig.URL;
import static dev.tandem.schemas.serde.TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS;
import static dev.tandem.schemas.serde.TandemAvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY;
import static dev.tandem.schemas.serde.TandemAvroSerdeConfig.LATEST_COMPATIBILITY_STRICT;
import static dev.tandem.schemas.serde.TandemAvroSerdeConfig.USE_LATEST_VERSION;
import static dev.tandem.schemas.serde.TandemAvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY;

import dev.tandem.schemas.registry.RegistryClientConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The converter's settings: Confluent's key names, read by the serdes ({@code TandemAvroSerdeConfig}) and the
 * registry client ({@link RegistryClientConfig}) as they are. This definition types and documents them, so a worker
 * validates a converter's configuration before a task starts, and adds the cache bound.
 */
final class TandemAvroConverterConfig extends AbstractConfig {
    /** Confluent's AvroConverter key: bounds each of the two schema caches (Avro → Connect, Connect → Avro). */
    static final String SCHEMAS_CACHE_SIZE = "schemas.cache.config";

    static final int DEFAULT_SCHEMAS_CACHE_SIZE = 1000;

    static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(
                    URL,
                    Type.STRING,
                    null,
                    Importance.HIGH,
                    "Schema registry URL, or a comma-separated list tried in turn on retries; mock://<scope> for an"
                            + " in-process registry (tests). Required unless the converter is built around a client.")
            .define(
                    AUTO_REGISTER_SCHEMAS,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "Register the schema of records written by fromConnectData; false: it must already be registered.")
            .define(
                    USE_LATEST_VERSION,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Write with the subject's latest schema and id (records are converted to it).")
            .define(
                    LATEST_COMPATIBILITY_STRICT,
                    Type.BOOLEAN,
                    true,
                    Importance.LOW,
                    "With use.latest.version: refuse when the latest schema cannot read the record's schema.")
            .define(
                    KEY_SUBJECT_NAME_STRATEGY,
                    Type.STRING,
                    "TopicNameStrategy",
                    Importance.MEDIUM,
                    "TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (Confluent's class names work).")
            .define(
                    VALUE_SUBJECT_NAME_STRATEGY,
                    Type.STRING,
                    "TopicNameStrategy",
                    Importance.MEDIUM,
                    "TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (Confluent's class names work).")
            .define(
                    SCHEMAS_CACHE_SIZE,
                    Type.INT,
                    DEFAULT_SCHEMAS_CACHE_SIZE,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    "Entries in each of the converter's LRU schema caches (by schema id, and by Connect schema).")
            .define(
                    BASIC_AUTH_CREDENTIALS_SOURCE,
                    Type.STRING,
                    "URL",
                    ConfigDef.CaseInsensitiveValidString.in("URL", "USER_INFO"),
                    Importance.MEDIUM,
                    "USER_INFO: basic.auth.user.info; URL: the user info of the registry URL.")
            .define(BASIC_AUTH_USER_INFO, Type.PASSWORD, null, Importance.MEDIUM, "user:password for the registry.")
            .define(TRUSTSTORE_LOCATION, Type.STRING, null, Importance.LOW, "Trust store for an HTTPS registry.")
            .define(TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Its password.")
            .define(TRUSTSTORE_TYPE, Type.STRING, "JKS", Importance.LOW, "Its type.")
            .define(KEYSTORE_LOCATION, Type.STRING, null, Importance.LOW, "Client certificate for mutual TLS.")
            .define(KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Its password.")
            .define(KEYSTORE_TYPE, Type.STRING, "JKS", Importance.LOW, "Its type.")
            .define(KEY_PASSWORD, Type.PASSWORD, null, Importance.LOW, "The key's password.")
            .define(
                    CONNECT_TIMEOUT_MS,
                    Type.LONG,
                    RegistryClientConfig.DEFAULT_CONNECT_TIMEOUT.toMillis(),
                    Importance.LOW,
                    "Registry connect timeout.")
            .define(
                    REQUEST_TIMEOUT_MS,
                    Type.LONG,
                    RegistryClientConfig.DEFAULT_REQUEST_TIMEOUT.toMillis(),
                    Importance.LOW,
                    "Registry request timeout.")
            .define(
                    MAX_RETRIES,
                    Type.INT,
                    RegistryClientConfig.DEFAULT_MAX_RETRIES,
                    Importance.LOW,
                    "Retries of connection errors, 5xx and 429, with exponential backoff.")
            .define(
                    RETRIES_WAIT_MS,
                    Type.LONG,
                    RegistryClientConfig.DEFAULT_RETRY_BACKOFF.toMillis(),
                    Importance.LOW,
                    "First retry backoff.")
            .define(
                    RETRIES_MAX_WAIT_MS,
                    Type.LONG,
                    RegistryClientConfig.DEFAULT_MAX_RETRY_BACKOFF.toMillis(),
                    Importance.LOW,
                    "Largest retry backoff.");

    TandemAvroConverterConfig(Map<String, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    int schemasCacheSize() {
        return getInt(SCHEMAS_CACHE_SIZE);
    }
}
