package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.features.UserVector;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The job with a real SavedModel, trained here in a few seconds on a small generated log. */
@Timeout(180)
class TfScoringJobTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    @TempDir
    static Path models;

    static Path modelDir;
    static List<String> stages;

    @BeforeAll
    static void trainATinyModel() throws Exception {
        try (TrainedModel m = TinyModels.trainModel(7)) {
            modelDir = m.export(models, "v1");
            stages = m.stages();
        }
    }

    @Test
    void theJobWithARealSavedModelGivesWhatTheModelGivesOffline() throws Exception {
        assertThat(stages).containsExactly("CART", "PURCHASE");
        List<UserFeatures> feats = new ArrayList<>();
        Map<String, UserFeatures> byUser = new HashMap<>();
        for (int u = 0; u < 10; u += 2) {
            UserFeatures f = features("u" + u, 1_000_000 + u, 1 + u, 1 + u);
            feats.add(f);
            byUser.put("u" + u, f);
        }
        List<ScoringRequest> requests = new ArrayList<>();
        for (int r = 0; r < 150; r++) {
            List<Candidate> c = new ArrayList<>();
            for (int j = 0; j < 1 + r % 7; j++) {
                c.add(
                        j == 0
                                ? candidate(item("i" + (r % 40), "c" + (r % 6), "b" + (r % 4), 10.0 + r % 40))
                                : candidate("i" + ((r + j) % 40)));
            }
            requests.add(ScoringRequest.newBuilder()
                    .setRequestId("req-" + r)
                    .setUserId("u" + (r % 10))
                    .setRequestTime(Instant.ofEpochMilli(2_000_000 + r * 1_000L))
                    .setCandidates(c)
                    .build());
        }
        String id = UUID.randomUUID().toString();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration jc = new Configuration();
        jc.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(jc);
        ScoringConfig config = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(10))
                .parallelism(2)
                .checkpointInterval(Duration.ZERO)
                .model(modelDir.toString(), stages)
                .schemaRegistryUrl(ScoringJobMiniClusterTest.REGISTRY)
                .build();
        // the catalog never holds a requested item, so the result does not depend on when the broadcast arrives
        List<ItemMetadata> noCatalogOverlap = List.of(item("not-requested", "c1", "b1", 1.0));
        ScoringJob.builder(config)
                .requests(ScoringJobMiniClusterTest.bounded(
                        Fixtures.raw(requests, ScoringJobMiniClusterTest.REGISTRY), RawRecord.class))
                .features(
                        ScoringJobMiniClusterTest.bounded(feats, UserFeatures.class),
                        ScoringJobMiniClusterTest.bounded(noCatalogOverlap, ItemMetadata.class))
                .predictions(new ScoringJobMiniClusterTest.CollectSink(id))
                .deadLetters(new ScoringJobMiniClusterTest.DeadSink(id))
                .build()
                .execute(env);

        List<Prediction> out = new ArrayList<>(ScoringJobMiniClusterTest.RESULTS.get(id));
        assertThat(out).hasSize(requests.size());
        assertThat(out).allSatisfy(p -> {
            assertThat(p.getModelName()).isEqualTo("tiny");
            assertThat(p.getModelVersion()).isEqualTo("v1");
        });
        Map<String, ScoringRequest> byId = new HashMap<>();
        requests.forEach(r -> byId.put(r.getRequestId(), r));
        try (BatchScorer offline = TfBatchScorer.load(modelDir, stages)) {
            FeatureEncoder enc = new FeatureEncoder(offline.spec());
            for (Prediction p : out) {
                ScoringRequest r = byId.get(p.getRequestId().toString());
                UserFeatures f = p.getFeaturesAsOf() == null ? null : byUser.get(r.getUserId());
                EncodedBatch b = Fixtures.encode(enc, r, f);
                float[] expected = offline.score(b);
                assertThat(p.getCandidates()).hasSize(r.getCandidates().size());
                for (int i = 0; i < b.rows(); i++) {
                    List<Float> got = p.getCandidates().get(i).getProbabilities();
                    assertThat(got.get(0)).isCloseTo(expected[2 * i], within(1e-5f));
                    assertThat(got.get(1)).isCloseTo(expected[2 * i + 1], within(1e-5f));
                    assertThat(got.get(1)).isLessThanOrEqualTo(got.get(0) + 1e-6f); // P(purchase) ≤ P(cart)
                }
            }
        }
    }

    @Test
    void paddedBucketsOnReusedTensorsScoreLikeExactSizeCalls() throws Exception {
        assertThat(TfBatchScorer.buckets(20)).containsExactly(1, 2, 3, 4, 6, 8, 12, 16, 20);
        assertThat(TfBatchScorer.buckets(1)).containsExactly(1);
        assertThat(TfBatchScorer.buckets(2048)).hasSize(22).endsWith(1536, 2048);
        try (TfBatchScorer warmed = TfBatchScorer.load(modelDir, stages);
                FunnelScorer exact = FunnelScorer.load(modelDir, FeatureSpec.read(modelDir), stages)) {
            warmed.warmUp(20);
            assertThat(warmed.warmedSizes()).containsExactlyElementsOf(TfBatchScorer.buckets(20));
            FeatureEncoder enc = new FeatureEncoder(warmed.spec());
            UserVector uv = enc.newUserVector();
            EncodedBatch b = enc.newBatch(25);
            for (int rows : new int[] {1, 5, 7, 13, 20, 3, 25}) { // 25 > maxRows: exact-size tensors
                enc.encodeUser(features("u" + rows, 1_000_000, rows % 6 + 1, 1), 2_000_000, uv);
                for (int i = 0; i < rows; i++) {
                    enc.writeRow(uv, enc.encodeItem("i" + (i * rows), "c" + i % 5, "b", 1.0 * i), b, i);
                }
                b.setRows(rows);
                float[] got = warmed.score(b);
                assertThat(b.rows()).isEqualTo(rows);
                float[] want = exact.score(b);
                assertThat(got).hasSize(rows * 2);
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).isCloseTo(want[i], within(1e-6f));
                }
            }
            assertThat(warmed.warmedSizes()).contains(25);
        }
    }
}
