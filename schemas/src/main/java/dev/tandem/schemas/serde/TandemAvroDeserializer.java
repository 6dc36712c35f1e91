package dev.tandem.schemas.serde;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format Avro. The writer schema comes from the registry by the record's id
 * (once per id); the reader schema is, in order of precedence:
 * <ul>
 *   <li>the class given to {@link #TandemAvroDeserializer(Class, SchemaRegistryClient, boolean)};</li>
 *   <li>with {@code specific.avro.reader=true}, the generated class named by the writer schema;</li>
 *   <li>a reader schema given to {@link #TandemAvroDeserializer(Schema, SchemaRegistryClient, boolean)} (generic);</li>
 *   <li>otherwise the writer schema itself, producing {@link org.apache.avro.generic.GenericRecord}s.</li>
 * </ul>
 * Avro's schema resolution bridges writer and reader, so old readers read new data and new
 * readers old data within the registry's compatibility rules. Thread-safe.
 *
 * <p>Every failure is a {@link SerializationException}: {@link UnknownMagicByteException},
 * {@link UnknownSchemaIdException}, {@link TruncatedPayloadException} (including a length or item count larger than
 * the bytes left, refused before anything is allocated for it), {@link TrailingBytesException}, or a plain one for a
 * body that does not fit the schema, a record of another type than the reader's (another record name, as the
 * registry's compatibility check sees it), or a registry that cannot be reached.
 */
public class TandemAvroDeserializer<T> implements Deserializer<T> {
    private volatile SchemaRegistryClient client;
    private volatile boolean ownsClient;
    private volatile TandemAvroSerdeConfig config = TandemAvroSerdeConfig.defaults();
    private final Class<?> readerClass;
    private final Schema readerSchema;
    private final ConcurrentMap<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

    /** For Kafka's reflection: call {@link #configure} before use. */
    public TandemAvroDeserializer() {
        this.readerClass = null;
        this.readerSchema = null;
    }

    /** Generic records in each record's writer schema, or specific ones if {@code configs} say {@code specific.avro.reader}. */
    public TandemAvroDeserializer(SchemaRegistryClient client, boolean isKey, Map<String, ?> configs) {
        this.client = Objects.requireNonNull(client, "client");
        this.config = TandemAvroSerdeConfig.from(configs);
        this.readerClass = null;
        this.readerSchema = null;
    }

    /** Instances of {@code type}, whatever compatible schema the data was written with. */
    public TandemAvroDeserializer(Class<? extends SpecificRecord> type, SchemaRegistryClient client, boolean isKey) {
        this.client = Objects.requireNonNull(client, "client");
        this.readerClass = Objects.requireNonNull(type, "type");
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    /** Generic records projected onto {@code readerSchema}. */
    public TandemAvroDeserializer(Schema readerSchema, SchemaRegistryClient client, boolean isKey) {
        this.client = Objects.requireNonNull(client, "client");
        this.readerClass = null;
        this.readerSchema = Objects.requireNonNull(readerSchema, "readerSchema");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = TandemAvroSerdeConfig.from(configs);
        if (client == null) {
            client = SchemaRegistryClients.fromConfigs(configs);
            ownsClient = true;
        }
        readers.clear();
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) return null;
        if (client == null) throw new IllegalStateException("TandemAvroDeserializer used before configure()");
        int id = WireFormat.schemaId(topic, data);
        DatumReader<T> reader = reader(topic, id);
        Scratch s = Scratch.CURRENT.get();
        BinaryDecoder dec = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, s.decoder);
        s.decoder = dec;
        T datum;
        int trailing;
        try {
            datum = reader.read(null, s.bounded.reset(dec));
            trailing = dec.inputStream().available();
        } catch (EOFException e) {
            throw new TruncatedPayloadException(
                    topic,
                    data.length,
                    "the Avro body ends early for the writer schema with id " + id
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                    e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Error deserializing Avro data with schema id " + id + " on topic '" + topic + "': " + e, e);
        }
        if (trailing > 0) throw new TrailingBytesException(topic, data.length, trailing, id);
        return datum;
    }

    private DatumReader<T> reader(String topic, int id) {
        DatumReader<T> r = readers.get(id);
        if (r == null) {
            r = newReader(topic, id, writerSchema(topic, id));
            DatumReader<T> raced = readers.putIfAbsent(id, r);
            if (raced != null) r = raced;
        }
        return r;
    }

    private Schema writerSchema(String topic, int id) {
        try {
            return client.getSchemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND) {
                throw new UnknownSchemaIdException(topic, id, e);
            }
            throw new SerializationException(
                    "Cannot fetch schema id " + id + " for topic '" + topic + "' from the schema registry: "
                            + e.getMessage(),
                    e);
        }
    }

    @SuppressWarnings("unchecked")
    private DatumReader<T> newReader(String topic, int id, Schema writer) {
        Schema expected = readerSchema;
        if (expected != null && !sameRecord(writer, expected)) {
            // Avro resolves records by field names alone, so another record type sharing the required fields (an event
            // has an item_id, all an ItemMetadata needs) would read "successfully"; the registry calls this
            // NAME_MISMATCH and refuses it as incompatible, and so does this reader
            return refusing("schema id " + id + " on topic '" + topic + "' is a " + writer.getFullName() + ", not a "
                    + expected.getFullName());
        }
        if (readerClass != null) {
            return (DatumReader<T>)
                    new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(readerClass));
        }
        if (config.specificAvroReader()) {
            Class<?> cls = writer.getType() == Schema.Type.RECORD || writer.getType() == Schema.Type.ENUM
                    ? SpecificData.get().getClass(writer)
                    : null;
            if (cls == null || !SpecificRecord.class.isAssignableFrom(cls)) {
                throw new SerializationException("specific.avro.reader=true but no generated class "
                        + writer.getFullName() + " is on the classpath (schema id " + id + ", topic '" + topic + "')");
            }
            Schema reader = SpecificData.get().getSchema(cls);
            return (DatumReader<T>) new SpecificDatumReader<>(writer, reader, SpecificData.getForClass(cls));
        }
        return (DatumReader<T>)
                new GenericDatumReader<>(writer, readerSchema != null ? readerSchema : writer, GenericData.get());
    }

    /** Whether a record of {@code writer} is a record of {@code reader}: same full name, or one of its aliases. */
    static boolean sameRecord(Schema writer, Schema reader) {
        if (reader.getType() != Schema.Type.RECORD) return true;
        return writer.getType() == Schema.Type.RECORD
                && (writer.getFullName().equals(reader.getFullName())
                        || reader.getAliases().contains(writer.getFullName()));
    }

    private DatumReader<T> refusing(String message) {
        return new DatumReader<>() {
            @Override
            public void setSchema(Schema schema) {}

            @Override
            public T read(T reuse, Decoder in) {
                throw new AvroTypeException(message);
            }
        };
    }

    @Override
    public void close() {
        if (ownsClient && client != null) client.close();
    }
}
