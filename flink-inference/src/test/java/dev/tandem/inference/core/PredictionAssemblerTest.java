package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.schemas.Prediction;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PredictionAssemblerTest {
    @Test
    void everyCandidateGetsOneProbabilityPerStageFromItsOwnRows() {
        RequestEncoder enc = new RequestEncoder(Fixtures.SPEC);
        EncodedRequest a = enc.encode(
                Fixtures.request("r1", "u1", 1_000, "i1", "i2"),
                null,
                Map.of("i2", Fixtures.item("i2", "shoes", "acme", 19.5))::get,
                5);
        EncodedRequest b = enc.encode(
                Fixtures.request("r2", "u2", 2_000, "i3"), Fixtures.features("u2", 1_500, 3, 3), id -> null, 6);
        EncodedBatch batch = new EncodedBatch(Fixtures.SPEC, 8);
        a.writeRows(batch, 0);
        b.writeRows(batch, 2);
        batch.setRows(3);
        float[] p = Fixtures.fakeScores(batch, 2);

        Prediction pb = PredictionAssembler.assemble(b, p, 2, Fixtures.STAGES, "m", "v", 10, 7, 8, 3);
        assertThat(pb.getRequestId()).isEqualTo("r2");
        assertThat(pb.getStages()).containsExactly("CART", "PURCHASE");
        assertThat(pb.getCandidates()).hasSize(1);
        assertThat(pb.getCandidates().get(0).getItemId()).isEqualTo("i3");
        assertThat(pb.getCandidates().get(0).getProbabilities()).containsExactly(p[4], p[5]);
        assertThat(pb.getFeaturesAsOf().toEpochMilli()).isEqualTo(1_500);
        assertThat(pb.getTimings().getBatchRows()).isEqualTo(3);
        assertThat(pb.getTimings().getQueueMicros()).isEqualTo(7);

        Prediction pa = PredictionAssembler.assemble(a, p, 0, Fixtures.STAGES, "m", "v", 10, 7, 8, 3);
        assertThat(pa.getFeaturesAsOf()).isNull();
        assertThat(pa.getCandidates()).extracting(c -> c.getItemId().toString()).containsExactly("i1", "i2");
        assertThat(pa.getCandidates().get(1).getProbabilities()).containsExactly(p[2], p[3]);
        assertThat(pa.getCandidates())
                .as("the catalog's price where known, for expected-value ranking downstream")
                .extracting(c -> c.getPrice())
                .containsExactly(null, 19.5);

        // the scorer reuses its output array for the next batch: a prediction must not see that
        float[] before = p.clone();
        java.util.Arrays.fill(p, -1f);
        assertThat(pa.getCandidates().get(1).getProbabilities()).containsExactly(before[2], before[3]);
        assertThat(pb.getCandidates().get(0).getProbabilities()).isEqualTo(java.util.List.of(before[4], before[5]));
    }

    @Test
    void newerFeaturesReplaceOlderOnesAndATombstoneClears() {
        var old = Fixtures.features("u", 1_000, 2, 2);
        var newer = Fixtures.features("u", 2_000, 3, 3);
        assertThat(FeatureUpdates.merge(null, old)).isSameAs(old);
        assertThat(FeatureUpdates.merge(old, newer)).isSameAs(newer);
        assertThat(FeatureUpdates.merge(newer, old)).isSameAs(newer);
        assertThat(FeatureUpdates.merge(newer, FeatureUpdates.tombstone("u"))).isNull();
    }
}
