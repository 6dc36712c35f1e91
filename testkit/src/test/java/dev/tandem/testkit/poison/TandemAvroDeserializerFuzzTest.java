package dev.tandem.testkit.poison;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The schemas module's {@link TandemAvroDeserializer} (which every component decodes Kafka input with), fuzzed with
 * the shared {@link PoisonArbitraries}: whatever the bytes, it returns a record or throws a
 * {@link SerializationException} (its declared failures: unknown magic byte, unknown schema id, truncated payload,
 * trailing bytes, a body that does not fit the schema or a record of another type), and allocates a few MB at most,
 * whatever length the bytes claim. Lives here rather than
 * in schemas because the corpus does (schemas cannot depend on testkit).
 */
class TandemAvroDeserializerFuzzTest {
    private static final String SCOPE = "fuzz-" + UUID.randomUUID();
    private static final SchemaRegistryClient CLIENT = MockSchemaRegistry.client(SCOPE);
    private static final List<byte[]> VALID = new ArrayList<>();
    private static final List<Integer> IDS = new ArrayList<>();
    private static final Map<Class<?>, TandemAvroDeserializer<?>> TYPED = Map.of(
            UserEvent.class, new TandemAvroDeserializer<>(UserEvent.class, CLIENT, false),
            ItemMetadata.class, new TandemAvroDeserializer<>(ItemMetadata.class, CLIENT, false),
            UserFeatures.class, new TandemAvroDeserializer<>(UserFeatures.class, CLIENT, false),
            ScoringRequest.class, new TandemAvroDeserializer<>(ScoringRequest.class, CLIENT, false),
            Prediction.class, new TandemAvroDeserializer<>(Prediction.class, CLIENT, false),
            ModelControl.class, new TandemAvroDeserializer<>(ModelControl.class, CLIENT, false));
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final long MAX_ALLOCATION = 4L << 20;
    private static final TandemAvroDeserializer<Object> GENERIC = new TandemAvroDeserializer<>(CLIENT, false, Map.of());

    static {
        TandemAvroSerializer<Object> ser = new TandemAvroSerializer<>(CLIENT, false);
        for (SpecificRecord r : ValidRecords.all()) {
            byte[] b = ser.serialize("fuzz-" + r.getSchema().getName(), r);
            VALID.add(b);
            IDS.add(PoisonCorpus.schemaId(b));
        }
        // first uses load classes, build each id's resolver and format messages (megabytes, once): not measured
        for (byte[] v : VALID) {
            for (byte[] bad : List.of(
                    v,
                    PoisonCorpus.withMagic(v, (byte) 1),
                    PoisonCorpus.withSchemaId(v, PoisonCorpus.UNKNOWN_SCHEMA_ID),
                    PoisonCorpus.truncated(v, v.length - 1),
                    PoisonCorpus.truncated(v, 2),
                    PoisonCorpus.extended(v, new byte[] {1}),
                    PoisonCorpus.withVarint(v, 0, Integer.MAX_VALUE))) {
                for (TandemAvroDeserializer<?> d : TYPED.values()) warmUp(d, bad);
                warmUp(GENERIC, bad);
            }
        }
    }

    private static void warmUp(TandemAvroDeserializer<?> d, byte[] bytes) {
        try {
            d.deserialize("fuzz", bytes);
        } catch (SerializationException expected) {
            // only the allocations of a first use are wanted here
        }
    }

    @AfterContainer
    static void drop() {
        MockSchemaRegistry.drop(SCOPE);
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return PoisonArbitraries.mutated(VALID, IDS);
    }

    @Provide
    Arbitrary<byte[]> random() {
        return PoisonArbitraries.randomBytes();
    }

    @Property(tries = 10_000)
    void mutatedRecordsDecodeOrFailWithASerializationException(@ForAll("mutated") byte[] bytes) {
        decodeEveryWay(bytes);
    }

    @Property(tries = 10_000)
    void randomBytesDecodeOrFailWithASerializationException(@ForAll("random") byte[] bytes) {
        decodeEveryWay(bytes);
    }

    @Property(tries = 200)
    void everyValidRecordStillDecodes(@ForAll("valid") byte[] bytes) {
        assertThat(GENERIC.deserialize("fuzz", bytes)).isNotNull();
    }

    @Provide
    Arbitrary<byte[]> valid() {
        return net.jqwik.api.Arbitraries.of(VALID);
    }

    private static void decodeEveryWay(byte[] bytes) {
        decode(GENERIC, bytes);
        for (TandemAvroDeserializer<?> d : TYPED.values()) decode(d, bytes);
    }

    private static void decode(TandemAvroDeserializer<?> d, byte[] bytes) {
        SerializationException declared = null;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            d.deserialize("fuzz", bytes);
        } catch (SerializationException e) {
            declared = e;
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        // what a length or count says is not what gets allocated: a 2 GB length prefix obeyed would be far above this
        // (or an OutOfMemoryError)
        assertThat(allocated)
                .as("bytes allocated decoding %d bytes", bytes.length)
                .isLessThan(MAX_ALLOCATION);
        if (declared != null) assertThat(declared.getMessage()).isNotBlank();
    }
}
