package dev.tandem.connect.avro;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerdeConfig;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Kafka Connect converter for Confluent's wire format (magic byte 0, 4-byte schema id, Avro binary), on Tandem's
 * registry client and serdes: bytes are read by {@link TandemAvroDeserializer} and written by
 * {@link TandemAvroSerializer}, so the converter writes exactly what the platform's producers write. Configured with
 * Confluent's keys ({@link TandemAvroConverterConfig}); {@code mock://scope} URLs give an in-process registry.
 *
 * <p>Records become Structs named by the Avro full name; enums, fixed, unions, docs, aliases and Avro properties are
 * carried in schema parameters ({@link AvroParams}), so a Connect schema read from Avro converts back to the same
 * registered schema and id. connectors/README.md has the whole mapping.
 *
 * <p>Bad data (not wire format, unknown schema id, truncated body, a value that does not fit its schema) is a
 * {@link DataException}, which Connect sends to its dead-letter queue under {@code errors.tolerance=all}. A registry
 * that cannot be reached or answers 5xx/429 is a {@link RetriableException} instead: an outage should stop or retry
 * the task, not dead-letter every record.
 */
public class TandemAvroConverter implements Converter {
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private TandemAvroSerializer<Object> serializer;
    private TandemAvroDeserializer<Object> deserializer;
    private Cache<Integer, Read> reads;
    private Cache<Schema, org.apache.avro.Schema> writes;

    /** For Connect's reflection: {@link #configure} builds the registry client from the configuration. */
    public TandemAvroConverter() {}

    /** Around {@code client}, which the caller keeps and closes; {@link #configure} must still be called. */
    public TandemAvroConverter(SchemaRegistryClient client) {
        this.client = client;
    }

    @Override
    public ConfigDef config() {
        return TandemAvroConverterConfig.CONFIG_DEF;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        TandemAvroConverterConfig config = new TandemAvroConverterConfig(configs);
        // Connect hands every record to the converter as generic data; a generated class would only get in the way.
        Map<String, Object> serde = new HashMap<>(configs);
        serde.put(TandemAvroSerdeConfig.SPECIFIC_AVRO_READER, false);
        try {
            TandemAvroSerdeConfig.from(serde);
            if (client == null) {
                client = SchemaRegistryClients.fromConfigs(configs);
                ownsClient = true;
            }
        } catch (IllegalArgumentException e) {
            ConfigException c = new ConfigException(e.getMessage());
            c.initCause(e);
            throw c;
        }
        serializer = new TandemAvroSerializer<>(client, isKey, serde);
        deserializer = new TandemAvroDeserializer<>(client, isKey, serde);
        reads = new SynchronizedCache<>(new LRUCache<>(config.schemasCacheSize()));
        writes = new SynchronizedCache<>(new LRUCache<>(config.schemasCacheSize()));
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null || value.length == 0) return SchemaAndValue.NULL;
        checkConfigured();
        Object datum;
        try {
            datum = deserializer.deserialize(topic, value);
        } catch (SerializationException e) {
            throw failure("Cannot read Avro from topic '" + topic + "': " + e.getMessage(), e);
        }
        int id = WireFormat.schemaId(topic, value);
        Read read = reads.get(id);
        if (read == null) {
            read = read(topic, id);
            reads.put(id, read);
        }
        try {
            return new SchemaAndValue(read.connect, AvroToConnect.value(read.connect, read.avro, datum));
        } catch (RuntimeException e) {
            throw new DataException(
                    "Cannot convert a record of schema id " + id + " (" + read.avro.getFullName() + ") on topic '"
                            + topic + "' to Connect data: " + e.getMessage(),
                    e);
        }
    }

    private Read read(String topic, int id) {
        org.apache.avro.Schema avro;
        try {
            avro = client.getSchemaById(id);
        } catch (SchemaRegistryException e) {
            throw failure("Cannot fetch schema id " + id + " for topic '" + topic + "': " + e.getMessage(), e);
        }
        try {
            return new Read(avro, AvroToConnect.schema(avro));
        } catch (DataException e) {
            throw new DataException(
                    "Schema id " + id + " (" + avro.getFullName() + ") on topic '" + topic + "': " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) return null;
        checkConfigured();
        if (schema == null) {
            throw new DataException(
                    "TandemAvroConverter writes Avro, which needs a Connect schema; the record for topic '" + topic
                            + "' has none");
        }
        org.apache.avro.Schema avro = writes.get(schema);
        if (avro == null) {
            avro = ConnectToAvro.schema(schema);
            writes.put(schema, avro);
        }
        Object datum;
        try {
            datum = ConnectToAvro.value(schema, avro, value);
        } catch (RuntimeException e) {
            throw new DataException(
                    "Cannot convert a value of " + ConnectToAvro.describe(schema) + " for topic '" + topic
                            + "' to Avro " + avro.getFullName() + ": " + e.getMessage(),
                    e);
        }
        if (!(datum instanceof GenericContainer)) {
            // TandemAvroSerializer writes records, enums, fixed and arrays, as the platform's producers send them.
            throw new DataException("TandemAvroConverter writes a struct, enum, fixed or array at the top level, not "
                    + ConnectToAvro.describe(schema) + " (topic '" + topic + "')");
        }
        try {
            return serializer.serialize(topic, datum);
        } catch (SerializationException e) {
            throw failure("Cannot write Avro for topic '" + topic + "': " + e.getMessage(), e);
        }
    }

    /** A transient registry failure somewhere in {@code e}'s causes is retriable; anything else is bad data. */
    private static RuntimeException failure(String message, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException r) {
                int status = r.status();
                if (status == 0 || status == 429 || status >= 500) return new RetriableException(message, e);
                break;
            }
        }
        return new DataException(message, e);
    }

    private void checkConfigured() {
        if (serializer == null) throw new IllegalStateException("TandemAvroConverter used before configure()");
    }

    @Override
    public void close() {
        if (serializer != null) serializer.close();
        if (deserializer != null) deserializer.close();
        if (ownsClient && client != null) client.close();
    }

    /** Entries held in the two schema caches (by schema id, by Connect schema): for tests of the bound. */
    long[] cachedSchemas() {
        return new long[] {reads.size(), writes.size()};
    }

    private record Read(org.apache.avro.Schema avro, Schema connect) {}
}
