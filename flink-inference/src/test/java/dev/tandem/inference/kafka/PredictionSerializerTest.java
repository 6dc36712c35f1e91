package dev.tandem.inference.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.ForgetSignal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class PredictionSerializerTest {
    private static final String REGISTRY = "mock://prediction-serializer-test";

    private static Prediction prediction(String user) {
        return Prediction.newBuilder()
                .setRequestId("r1")
                .setUserId(user)
                .setModelName("m")
                .setModelVersion("1")
                .setRequestTime(Instant.ofEpochMilli(1_000))
                .setStages(List.of("CART"))
                .setCandidates(List.of())
                .setTimings(PredictionTimings.newBuilder()
                        .setReceivedAt(Instant.ofEpochMilli(1_000))
                        .setScoredAt(Instant.ofEpochMilli(1_001))
                        .build())
                .build();
    }

    @Test
    void aForgetMarkerIsATombstoneKeyedByTheUserWithTheForgetHeaderAndPredictionsAreNot() {
        PredictionSerializer s = new PredictionSerializer("predictions", Map.of("schema.registry.url", REGISTRY));
        s.open(null, null);

        ProducerRecord<byte[], byte[]> tomb = s.serialize(PredictionAssembler.forget("u1", 5), null, 7L);
        assertThat(tomb.value()).isNull();
        assertThat(new String(tomb.key(), StandardCharsets.UTF_8)).isEqualTo("u1");
        assertThat(ForgetSignal.isForget(tomb.headers())).isTrue();
        assertThat(tomb.timestamp()).isEqualTo(7L);

        ProducerRecord<byte[], byte[]> rec = s.serialize(prediction("u1"), null, 8L);
        assertThat(ForgetSignal.isForget(rec.headers())).isFalse();
        Prediction back = new TandemAvroDeserializer<Prediction>(
                        Prediction.class, SchemaRegistryClients.forUrl(REGISTRY, Map.of()), false)
                .deserialize("predictions", rec.value());
        assertThat(back).isEqualTo(prediction("u1"));
        assertThat(PredictionAssembler.isForget(back)).isFalse();
    }
}
