package dev.tandem.schemas.serde;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.registry.SchemaVersion;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records (generated classes or {@link org.apache.avro.generic.GenericRecord}) in
 * Confluent's wire format. The registry is asked once per (topic, schema); after that a record
 * costs one Avro encoding into a per-thread buffer and one array copy.
 *
 * <p>Configured with Confluent's keys ({@link TandemAvroSerdeConfig},
 * {@link dev.tandem.schemas.registry.RegistryClientConfig}) through {@link #configure}, or built
 * around a client with the constructors. Thread-safe, as a producer's serializer must be.
 */
public class TandemAvroSerializer<T> implements Serializer<T> {
    private volatile SchemaRegistryClient client;
    private volatile boolean ownsClient;
    private volatile boolean isKey;
    private volatile TandemAvroSerdeConfig config = TandemAvroSerdeConfig.defaults();
    private final ConcurrentMap<String, ConcurrentMap<Schema, Target>> targets = new ConcurrentHashMap<>();

    /** For Kafka's reflection: call {@link #configure} before use. */
    public TandemAvroSerializer() {}

    /** Ready to use, with default settings, on {@code client} (not closed by {@link #close}). */
    public TandemAvroSerializer(SchemaRegistryClient client, boolean isKey) {
        this(client, isKey, Map.of());
    }

    /** Ready to use on {@code client} with serde settings from {@code configs}. */
    public TandemAvroSerializer(SchemaRegistryClient client, boolean isKey, Map<String, ?> configs) {
        this.client = Objects.requireNonNull(client, "client");
        this.isKey = isKey;
        this.config = TandemAvroSerdeConfig.from(configs);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        this.config = TandemAvroSerdeConfig.from(configs);
        if (client == null) {
            client = SchemaRegistryClients.fromConfigs(configs);
            ownsClient = true;
        }
        targets.clear();
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) return null;
        if (!(data instanceof GenericContainer container)) {
            throw new SerializationException(
                    "TandemAvroSerializer writes Avro records (generated classes or GenericRecord), not "
                            + data.getClass().getName() + " (topic '" + topic + "')");
        }
        if (client == null) throw new IllegalStateException("TandemAvroSerializer used before configure()");
        Schema schema = container.getSchema();
        Target target = target(topic, schema);
        Scratch s = Scratch.CURRENT.get();
        try {
            Scratch.Buffer out = s.out;
            out.reset();
            out.write(target.header, 0, WireFormat.HEADER_SIZE);
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, s.encoder);
            s.encoder = enc;
            if (target.resolver == null) {
                target.writerFor(data).write(data, enc);
            } else {
                writeConverted(target, data, s, enc);
            }
            enc.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Error serializing " + schema.getFullName() + " for topic '" + topic + "' with schema id "
                            + target.id + ": " + e.getMessage(),
                    e);
        }
    }

    /** Data of the record's schema, rewritten as the registry's latest schema reads it. */
    private static void writeConverted(Target target, Object data, Scratch s, BinaryEncoder enc) throws IOException {
        Scratch.Buffer tmp = s.conversion;
        tmp.reset();
        BinaryEncoder tmpEnc = EncoderFactory.get().binaryEncoder(tmp, s.conversionEncoder);
        s.conversionEncoder = tmpEnc;
        target.writerFor(data).write(data, tmpEnc);
        tmpEnc.flush();
        s.conversionDecoder = DecoderFactory.get().binaryDecoder(tmp.array(), 0, tmp.size(), s.conversionDecoder);
        Object asLatest = target.resolver.read(null, s.conversionDecoder);
        target.latestWriter.write(asLatest, enc);
    }

    private Target target(String topic, Schema schema) {
        ConcurrentMap<Schema, Target> bySchema = targets.computeIfAbsent(topic, t -> new ConcurrentHashMap<>());
        Target t = bySchema.get(schema);
        if (t == null) {
            // Outside computeIfAbsent: a registry round trip must not block other keys' bins.
            t = resolve(topic, schema);
            Target raced = bySchema.putIfAbsent(schema, t);
            if (raced != null) t = raced;
        }
        return t;
    }

    private Target resolve(String topic, Schema schema) {
        TandemAvroSerdeConfig c = config;
        String subject = c.strategy(isKey).subjectName(topic, isKey, schema);
        try {
            if (c.useLatestVersion()) {
                SchemaVersion latest = client.getLatestVersion(subject);
                if (latest.schema().equals(schema)) return new Target(latest.id(), schema);
                if (c.latestCompatibilityStrict()) {
                    var pair = SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), schema);
                    if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                        throw new SerializationException("use.latest.version: version " + latest.version() + " (id "
                                + latest.id() + ") of subject '" + subject + "' cannot read records of schema "
                                + schema.getFullName() + ": " + pair.getResult().getIncompatibilities());
                    }
                }
                return Target.converting(latest.id(), schema, latest.schema());
            }
            int id = c.autoRegisterSchemas() ? client.register(subject, schema) : client.getId(subject, schema);
            return new Target(id, schema);
        } catch (SchemaRegistryException e) {
            int code = e.errorCode();
            if (!c.autoRegisterSchemas()
                    && !c.useLatestVersion()
                    && (code == SchemaRegistryException.SUBJECT_NOT_FOUND
                            || code == SchemaRegistryException.SCHEMA_NOT_FOUND)) {
                throw new SerializationException(
                        "Schema " + schema.getFullName() + " is not registered under subject '"
                                + subject
                                + "' and auto.register.schemas=false: register it first (or set use.latest.version=true). "
                                + e.getMessage(),
                        e);
            }
            if (code == SchemaRegistryException.INCOMPATIBLE_SCHEMA) {
                throw new SerializationException(
                        "Schema " + schema.getFullName() + " is incompatible with subject '" + subject + "': "
                                + e.getMessage(),
                        e);
            }
            throw new SerializationException(
                    "Schema registry error for subject '" + subject + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient && client != null) client.close();
    }

    /** Where records of one schema go on one topic: the id, its header, and the writers. */
    private static final class Target {
        final int id;
        final byte[] header;
        final DatumWriter<Object> specificWriter;
        final DatumWriter<Object> genericWriter;
        /** Only with use.latest.version and a latest schema that differs from the record's. */
        final GenericDatumReader<Object> resolver;

        final DatumWriter<Object> latestWriter;

        Target(int id, Schema schema) {
            this(id, schema, null, null);
        }

        private Target(int id, Schema schema, GenericDatumReader<Object> resolver, DatumWriter<Object> latestWriter) {
            this.id = id;
            this.header = WireFormat.header(id);
            this.specificWriter = new SpecificDatumWriter<>(schema);
            this.genericWriter = new GenericDatumWriter<>(schema, GenericData.get());
            this.resolver = resolver;
            this.latestWriter = latestWriter;
        }

        static Target converting(int id, Schema recordSchema, Schema latest) {
            return new Target(
                    id,
                    recordSchema,
                    new GenericDatumReader<>(recordSchema, latest, GenericData.get()),
                    new GenericDatumWriter<>(latest, GenericData.get()));
        }

        DatumWriter<Object> writerFor(Object data) {
            // Generated classes carry logical-type conversions (Instant); generic records hold raw values.
            return data instanceof SpecificRecord ? specificWriter : genericWriter;
        }
    }
}
