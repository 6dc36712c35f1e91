package dev.tandem.connect.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.connect.avro.TandemAvroConverter;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.testkit.poison.PoisonArbitraries;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.ValidRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;

/**
 * What a sink does with the bytes of a {@code predictions} record, fuzzed with random bytes and mutated valid records:
 * {@link TandemAvroConverter#toConnectData} and both ways {@link PredictionDecoder} turns a value into a
 * recommendation (the converter's struct, or the bytes with the registry) either succeed or throw
 * {@link DataException}, the one exception Connect's error handling routes to the dead-letter topic (anything else,
 * or a {@code RetriableException} from a registry that answers, fails or stalls the task).
 */
class PredictionInputFuzzTest {
    private static final String TOPIC = "predictions";
    private static final String SCOPE = "prediction-fuzz-" + UUID.randomUUID();
    private static final SchemaRegistryClient CLIENT = MockSchemaRegistry.client(SCOPE);
    private static final List<byte[]> VALID = new ArrayList<>();
    private static final List<Integer> IDS = new ArrayList<>();
    private static final TandemAvroConverter CONVERTER = new TandemAvroConverter();
    private static final PredictionDecoder DECODER = new PredictionDecoder(new ServingSinkConfig(
            ServingSinkConfig.common(),
            Map.of(ServingSinkConfig.OBJECTIVE, "PURCHASE", ServingSinkConfig.REGISTRY_URL, "mock://" + SCOPE)));

    static {
        CONVERTER.configure(Map.of("schema.registry.url", "mock://" + SCOPE), false);
        TandemAvroSerializer<Object> ser = new TandemAvroSerializer<>(CLIENT, false);
        for (SpecificRecord r : ValidRecords.all()) {
            byte[] b = ser.serialize(
                    r.getSchema().getName().equals("Prediction")
                            ? TOPIC
                            : "fuzz-" + r.getSchema().getName(),
                    r);
            VALID.add(b);
            IDS.add(PoisonCorpus.schemaId(b));
        }
    }

    @AfterContainer
    static void close() throws Exception {
        DECODER.close();
        CONVERTER.close();
        MockSchemaRegistry.drop(SCOPE);
    }

    @Provide
    Arbitrary<byte[]> hostile() {
        return Arbitraries.oneOf(PoisonArbitraries.randomBytes(), PoisonArbitraries.mutated(VALID, IDS));
    }

    @Property(tries = 10_000)
    void converterAndDecoderFailOnlyWithDataException(@ForAll("hostile") byte[] value) {
        SchemaAndValue data = null;
        try {
            data = CONVERTER.toConnectData(TOPIC, value);
        } catch (DataException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
        if (data != null && data.value() != null) {
            toRecommendation(data.value());
        }
        toRecommendation(value);
    }

    @Example
    void aValidPredictionStillBecomesARecommendation() {
        byte[] valid = new TandemAvroSerializer<Object>(CLIENT, false)
                .serialize(TOPIC, ValidRecords.prediction("r-1", "u-1", ValidRecords.T0));
        assertThat(DECODER.toRecommendation(TOPIC, valid).userId()).isEqualTo("u-1");
        assertThat(DECODER.toRecommendation(
                                TOPIC, CONVERTER.toConnectData(TOPIC, valid).value())
                        .userId())
                .isEqualTo("u-1");
    }

    private static void toRecommendation(Object value) {
        try {
            DECODER.toRecommendation(TOPIC, value);
        } catch (DataException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
