package dev.tandem.monitoring.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.monitoring.core.Outcome;
import dev.tandem.monitoring.core.PendingPrediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerdeConfig;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The direct writer of outcome records against Avro's own: the same bytes, or Avro's when they cannot be the same. */
class OutcomeRecordSerializerTest {
    private static final String TOPIC = "prediction-outcomes";

    @Property(tries = 300)
    void writesTheBytesAvroWrites(@ForAll("records") List<OutcomeOutput.Record> records) {
        String scope = "outcome-writer-" + UUID.randomUUID();
        try {
            SchemaRegistryClient client = SchemaRegistryClients.forUrl("mock://" + scope, Map.of());
            TandemAvroSerializer<PredictionOutcome> avro = new TandemAvroSerializer<>(client, false);
            OutcomeRecordSerializer direct = new OutcomeRecordSerializer(new TandemAvroSerializer<>(client, false));
            for (OutcomeOutput.Record r : records) {
                byte[] expected = avro.serialize(TOPIC, r.toAvro());
                assertThat(direct.encode(Arrays.copyOf(expected, WireFormat.HEADER_SIZE), r))
                        .isEqualTo(expected);
                assertThat(direct.serialize(TOPIC, r)).isEqualTo(expected);
            }
            assertThat(direct.writesDirectly(TOPIC)).isTrue();
        } finally {
            MockSchemaRegistry.drop(scope);
        }
    }

    @Test
    void goesThroughAvroWhenTheSchemaWrittenWithIsNotThisBuilds() {
        String scope = "outcome-writer-" + UUID.randomUUID();
        try {
            SchemaRegistryClient client = SchemaRegistryClients.forUrl("mock://" + scope, Map.of());
            // a newer schema in the registry, and a writer told to write with the latest: the bytes carry its field
            Schema v1 = PredictionOutcome.getClassSchema();
            List<Schema.Field> fields = new ArrayList<>();
            for (Schema.Field f : v1.getFields()) fields.add(new Schema.Field(f, f.schema()));
            fields.add(new Schema.Field("tenant", Schema.create(Schema.Type.STRING), null, "default-tenant"));
            Schema v2 = Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
            client.register(TOPIC + "-value", v1);
            int v2Id = client.register(TOPIC + "-value", v2);
            OutcomeRecordSerializer direct = new OutcomeRecordSerializer(new TandemAvroSerializer<>(
                    client,
                    false,
                    Map.of(
                            TandemAvroSerdeConfig.AUTO_REGISTER_SCHEMAS,
                            false,
                            TandemAvroSerdeConfig.USE_LATEST_VERSION,
                            true)));
            TandemAvroDeserializer<GenericRecord> reader = new TandemAvroDeserializer<>(client, false, Map.of());

            for (OutcomeOutput.Record r : List.of(record("r-1", "u-1", 2, true), record("r-2", "u-2", 1, false))) {
                byte[] bytes = direct.serialize(TOPIC, r);
                assertThat(WireFormat.schemaId(TOPIC, bytes)).isEqualTo(v2Id);
                GenericRecord read = reader.deserialize(TOPIC, bytes);
                assertThat(read.get("tenant").toString()).isEqualTo("default-tenant");
                assertThat(read.get("request_id").toString())
                        .isEqualTo(r.outcome().prediction().requestId());
            }
        } finally {
            MockSchemaRegistry.drop(scope);
        }
    }

    private static OutcomeOutput.Record record(String requestId, String user, int stages, boolean censored) {
        List<String> names = List.of("CART", "PURCHASE", "REVIEW").subList(0, stages);
        float[] p = new float[stages];
        for (int i = 0; i < stages; i++) p[i] = 0.5f / (i + 1);
        PendingPrediction prediction = new PendingPrediction(
                requestId,
                1_700_000_000_000L,
                "m",
                "v1",
                names,
                List.of(new PendingPrediction.Candidate("i-1", p)),
                false);
        return new OutcomeOutput.Record(
                user, new Outcome(prediction, 0, new boolean[stages], censored, 1L), 3_600_000L);
    }

    /** Predictions of random shapes, each graded for every candidate, in runs as the processor emits them. */
    @Provide
    Arbitrary<List<OutcomeOutput.Record>> records() {
        Arbitrary<String> ids = Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
        Arbitrary<Float> probabilities = Arbitraries.oneOf(
                Arbitraries.floats().between(0f, 1f),
                Arbitraries.of(Float.NaN, 0f, -0f, 1f, Float.MIN_VALUE, Float.POSITIVE_INFINITY));
        Arbitrary<Long> times = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 4_102_444_800_000L),
                Arbitraries.of(Long.MIN_VALUE, -1L, Long.MAX_VALUE));
        Arbitrary<List<OutcomeOutput.Record>> onePrediction = Combinators.combine(
                        ids,
                        ids,
                        ids,
                        Arbitraries.integers().between(0, 4),
                        Arbitraries.integers().between(1, 5),
                        times,
                        Arbitraries.of(true, false),
                        Arbitraries.randoms())
                .as((requestId, user, version, stages, candidates, time, shadow, random) -> {
                    List<String> names = new ArrayList<>();
                    for (int s = 0; s < stages; s++) names.add("STAGE-" + s + (s % 2 == 0 ? "" : "é"));
                    List<PendingPrediction.Candidate> cs = new ArrayList<>();
                    for (int c = 0; c < candidates; c++) {
                        float[] p = new float[stages];
                        for (int s = 0; s < stages; s++) {
                            p[s] = probabilities.generator(1).next(random).value();
                        }
                        cs.add(new PendingPrediction.Candidate("item-" + c + "-" + requestId, p));
                    }
                    PendingPrediction prediction =
                            new PendingPrediction(requestId, time, "model ✓", version, names, cs, shadow);
                    List<OutcomeOutput.Record> out = new ArrayList<>();
                    for (int c = 0; c < candidates; c++) {
                        boolean[] reached = new boolean[stages];
                        for (int s = 0; s < stages; s++) reached[s] = random.nextBoolean();
                        Outcome o = new Outcome(prediction, c, reached, random.nextBoolean(), time ^ random.nextLong());
                        out.add(new OutcomeOutput.Record(user, o, random.nextLong()));
                    }
                    return out;
                });
        return onePrediction.list().ofMinSize(1).ofMaxSize(4).map(lists -> {
            List<OutcomeOutput.Record> all = new ArrayList<>();
            lists.forEach(all::addAll);
            return all;
        });
    }
}
