package dev.tandem.connect.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.avro.TandemAvroConverter;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PredictionDecoderTest {
    private static final String TOPIC = "predictions";

    private final String scope = "decoder-" + System.nanoTime();
    private final TandemAvroSerializer<Prediction> serializer =
            new TandemAvroSerializer<>(MockSchemaRegistry.client(scope), false);
    private final TandemAvroConverter converter = new TandemAvroConverter();

    PredictionDecoderTest() {
        converter.configure(Map.of("schema.registry.url", "mock://" + scope), false);
    }

    @AfterEach
    void drop() {
        converter.close();
        MockSchemaRegistry.drop(scope);
    }

    private PredictionDecoder decoder(String objective, boolean withRegistry) {
        return new PredictionDecoder(new ServingSinkConfig(
                ServingSinkConfig.common(),
                withRegistry
                        ? Map.of(
                                ServingSinkConfig.OBJECTIVE,
                                objective,
                                ServingSinkConfig.REGISTRY_URL,
                                "mock://" + scope)
                        : Map.of(ServingSinkConfig.OBJECTIVE, objective)));
    }

    private static Prediction prediction(Instant featuresAsOf) {
        return Prediction.newBuilder()
                .setRequestId("r-7")
                .setUserId("ü-42")
                .setModelName("funnel")
                .setModelVersion("v3")
                .setFeaturesAsOf(featuresAsOf)
                .setRequestTime(Instant.ofEpochMilli(1_700_000_000_123L))
                .setStages(List.of("CART", "PURCHASE"))
                .setCandidates(List.of(
                        CandidateScore.newBuilder()
                                .setItemId("cheap")
                                .setProbabilities(List.of(0.5f, 0.4f))
                                .setPrice(2.0)
                                .build(),
                        CandidateScore.newBuilder()
                                .setItemId("dear")
                                .setProbabilities(List.of(0.2f, 0.1f))
                                .setPrice(100.0)
                                .build(),
                        CandidateScore.newBuilder()
                                .setItemId("unpriced")
                                .setProbabilities(List.of(0.9f, Float.NaN))
                                .setPrice(null)
                                .build()))
                .setTimings(PredictionTimings.newBuilder()
                        .setReceivedAt(Instant.ofEpochMilli(1_700_000_000_200L))
                        .setScoredAt(Instant.ofEpochMilli(1_700_000_000_456L))
                        .build())
                .build();
    }

    @Test
    void rawBytesGiveTheSameRecommendationAsTheConvertersStruct() {
        for (Instant asOf : new Instant[] {null, Instant.ofEpochMilli(1_699_999_999_000L)}) {
            byte[] wire = serializer.serialize(TOPIC, prediction(asOf));
            try (PredictionDecoder d = decoder("expected-value:PURCHASE", true)) {
                Recommendation fromBytes = d.toRecommendation(TOPIC, wire);
                Recommendation fromStruct = d.toRecommendation(
                        TOPIC, converter.toConnectData(TOPIC, wire).value());

                assertThat(fromBytes).isEqualTo(fromStruct);
                // ranked by P(purchase) × price, NaN last
                assertThat(fromBytes.items()).extracting(i -> i.itemId()).containsExactly("dear", "cheap", "unpriced");
                assertThat(fromBytes.featuresAsOf()).isEqualTo(asOf == null ? null : asOf.toEpochMilli());
                assertThat(fromBytes.scoredAt()).isEqualTo(1_700_000_000_456L);
            }
        }
    }

    @Test
    void bytesThatAreNotAPredictionAreADataException() {
        try (PredictionDecoder d = decoder("probability:PURCHASE", true)) {
            assertThatThrownBy(() -> d.toRecommendation(TOPIC, new byte[] {1, 2, 3}))
                    .isInstanceOf(DataException.class)
                    .hasMessageContaining("wire format");
        }
    }

    @Test
    void bytesWithoutARegistryAreADataExceptionNamingTheKey() {
        byte[] wire = serializer.serialize(TOPIC, prediction(null));
        try (PredictionDecoder d = decoder("probability:PURCHASE", false)) {
            assertThatThrownBy(() -> d.toRecommendation(TOPIC, wire))
                    .isInstanceOf(DataException.class)
                    .hasMessageContaining(ServingSinkConfig.REGISTRY_URL);
        }
    }

    @Test
    void theByteArrayConverterWithoutARegistryFailsAtCreateTime() {
        assertThatThrownBy(() -> new ServingSinkConfig(
                        ServingSinkConfig.common(), Map.of("value.converter", ServingSinkConfig.BYTE_ARRAY_CONVERTER)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(ServingSinkConfig.REGISTRY_URL);
    }
}
