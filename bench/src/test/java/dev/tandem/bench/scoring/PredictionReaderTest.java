package dev.tandem.bench.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PredictionReaderTest {
    private final SchemaRegistryClient registry = SchemaRegistryClients.forUrl("mock://prediction-reader", Map.of());

    @Test
    void skimmingAPredictionFindsWhatAFullDecodeFinds() {
        TandemAvroSerializer<Prediction> ser = new TandemAvroSerializer<>(registry, false);
        Random r = new Random(3);
        for (int i = 0; i < 500; i++) {
            int n = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(300); // > 64 items: Avro may block arrays
            List<String> stages = r.nextBoolean() ? List.of("CART", "PURCHASE") : List.of("VIEW", "CART", "PURCHASE");
            List<CandidateScore> cands = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                List<Float> probs = new ArrayList<>();
                for (int k = 0; k < stages.size(); k++) probs.add(r.nextFloat());
                cands.add(CandidateScore.newBuilder()
                        .setItemId("ü" + r.nextInt())
                        .setProbabilities(probs)
                        .build());
            }
            Prediction p = Prediction.newBuilder()
                    .setRequestId("t-" + i)
                    .setUserId("u" + r.nextInt())
                    .setModelName("m")
                    .setModelVersion("v" + i)
                    .setFeaturesAsOf(r.nextBoolean() ? null : Instant.ofEpochMilli(r.nextInt(1 << 30)))
                    .setRequestTime(Instant.ofEpochMilli(5))
                    .setStages(stages)
                    .setCandidates(cands)
                    .setTimings(PredictionTimings.newBuilder()
                            .setReceivedAt(Instant.EPOCH)
                            .setScoredAt(Instant.EPOCH)
                            .build())
                    .build();

            PredictionReader.Seen seen = PredictionReader.skimPrediction(ser.serialize("predictions", p));

            assertThat(seen.requestId()).isEqualTo("t-" + i);
            assertThat(seen.candidates()).isEqualTo(n);
            assertThat(seen.version()).isEqualTo("m/v" + i);
        }
    }

    @Test
    void skimmingAnEchoedRequestCountsItsCandidatesAndLeavesMetadataToTheFullDecode() {
        TandemAvroSerializer<ScoringRequest> ser = new TandemAvroSerializer<>(registry, false);
        List<Candidate> plain = new ArrayList<>();
        for (int c = 0; c < 150; c++)
            plain.add(Candidate.newBuilder().setItemId("i" + c).build());
        ScoringRequest r = ScoringRequest.newBuilder()
                .setRequestId("t-7")
                .setUserId("u")
                .setCandidates(plain)
                .setRequestTime(Instant.EPOCH)
                .build();

        PredictionReader.Seen seen = PredictionReader.skimRequest(ser.serialize("requests", r));
        assertThat(seen.requestId()).isEqualTo("t-7");
        assertThat(seen.candidates()).isEqualTo(150);

        ItemMetadata md = ItemMetadata.newBuilder()
                .setItemId("i0")
                .setCategoryPath(List.of("a"))
                .setBrand("b")
                .setPrice(1.0)
                .build();
        r.setCandidates(
                List.of(Candidate.newBuilder().setItemId("i0").setMetadata(md).build()));
        assertThat(PredictionReader.skimRequest(ser.serialize("requests", r))).isNull();
    }

    @Test
    void aRecordThatIsNotInTheWireFormatFailsTheRun() {
        assertThatThrownBy(() -> PredictionReader.skimPrediction(new byte[] {1, 0, 0, 0, 1, 2}))
                .isInstanceOf(IllegalStateException.class);
        byte[] truncated = Arrays.copyOf(new byte[] {0, 0, 0, 0, 1, 20, 'x'}, 7);
        assertThatThrownBy(() -> PredictionReader.skimPrediction(truncated)).isInstanceOf(IllegalStateException.class);
    }
}
