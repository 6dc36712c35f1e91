package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.METRIC_AUC;
import static dev.tandem.monitoring.MonitoringNames.METRIC_POSITIVES;
import static dev.tandem.monitoring.MonitoringNames.METRIC_PREDICTIONS;
import static dev.tandem.monitoring.MonitoringNames.METRIC_UNDECODABLE;
import static dev.tandem.monitoring.MonitoringNames.TAG_FATE;
import static dev.tandem.monitoring.MonitoringNames.TAG_STAGE;
import static dev.tandem.monitoring.MonitoringNames.TAG_TOPIC;
import static dev.tandem.monitoring.MonitoringNames.TAG_VERSION;
import static dev.tandem.monitoring.MonitoringNames.TAG_WINDOW;
import static dev.tandem.monitoring.streams.MonitoringFixture.MIN;
import static dev.tandem.monitoring.streams.MonitoringFixture.T0;
import static dev.tandem.monitoring.streams.MonitoringTopologyTest.p;
import static dev.tandem.monitoring.streams.MonitoringTopologyTest.scores;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.eval.ScoreHistogram;
import dev.tandem.monitoring.MonitoringTopics;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.monitoring.core.PendingPrediction;
import dev.tandem.monitoring.core.UserOutcomes;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.topics.ForgetSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Champion vs challenger: the shadow version's predictions of the same requests, graded beside the active one's. */
class ShadowTopologyTest {
    private static final String CHAMPION = "v-a";
    private static final String CHALLENGER = "v-b";

    @Test
    void oneRequestScoredByBothVersionsIsGradedForEachWithOnlyTheChallengersOutcomesFlaggedShadow() {
        try (MonitoringFixture fx = new MonitoringFixture()) {
            fx.predict("r1", "u1", T0, CHAMPION, scores("i1", p(0.6f, 0.2f), "i2", p(0.3f, 0.1f)));
            fx.predictShadow("r1", "u1", T0, CHALLENGER, scores("i1", p(0.7f, 0.4f), "i2", p(0.1f, 0.05f)));
            assertThat(UserOutcomes.decode(fx.pendingStore().get("u1")).pending())
                    .as("same request id, both waiting")
                    .extracting(
                            PendingPrediction::requestId, PendingPrediction::modelVersion, PendingPrediction::shadow)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("r1", CHAMPION, false),
                            org.assertj.core.groups.Tuple.tuple("r1", CHALLENGER, true));

            fx.event("e1", "u1", "i1", Action.CART, T0 + 5 * MIN);
            fx.event("e2", "u1", "i2", Action.PURCHASE, T0 + 10 * MIN);
            fx.event("e3", "u1", "i1", Action.PURCHASE, T0 + 31 * MIN); // past the horizon: not i1's purchase
            fx.event("end", "u2", "x", Action.VIEW, T0 + 40 * MIN);

            List<PredictionOutcome> out = fx.outcomes.readValuesToList();
            assertThat(out)
                    .hasSize(4)
                    .allSatisfy(o -> assertThat(o.getRequestId()).isEqualTo("r1"));
            for (String version : List.of(CHAMPION, CHALLENGER)) {
                Map<String, PredictionOutcome> byItem = out.stream()
                        .filter(o -> o.getModelVersion().equals(version))
                        .collect(Collectors.toMap(PredictionOutcome::getItemId, o -> o));
                assertThat(byItem.keySet()).containsExactlyInAnyOrder("i1", "i2");
                assertThat(byItem.get("i1").getReached()).as(version).containsExactly(true, false);
                assertThat(byItem.get("i2").getReached()).as(version).containsExactly(true, true);
                assertThat(byItem.values())
                        .allSatisfy(o -> assertThat(o.getShadow()).isEqualTo(version.equals(CHALLENGER)))
                        .allSatisfy(o -> assertThat(o.getCensored()).isFalse());
            }
            assertThat(out.stream()
                            .filter(o -> o.getModelVersion().equals(CHALLENGER)
                                    && o.getItemId().equals("i1"))
                            .findFirst()
                            .orElseThrow()
                            .getProbabilities())
                    .as("the challenger's own scores")
                    .containsExactly(0.7f, 0.4f);
            assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "waiting")).isEqualTo(2);

            fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
            Map<String, ModelMetrics> latest = latest(fx);
            for (String version : List.of(CHAMPION, CHALLENGER)) {
                ModelMetrics cart = latest.get(new MetricKey("funnel", version, "CART", MetricKey.TOTAL).encode());
                ModelMetrics purchase =
                        latest.get(new MetricKey("funnel", version, "PURCHASE", MetricKey.TOTAL).encode());
                assertThat(cart).as(version).isNotNull();
                assertThat(cart.getPositives()).isEqualTo(2);
                assertThat(cart.getNegatives()).isZero();
                assertThat(purchase.getPositives()).isEqualTo(1);
                assertThat(purchase.getNegatives()).isEqualTo(1);
            }
            // i2 (bought) scored under i1 (not bought) for PURCHASE
            assertThat(latest.get(new MetricKey("funnel", CHAMPION, "PURCHASE", MetricKey.TOTAL).encode())
                            .getAuc())
                    .isZero();
        }
    }

    @Test
    void eachVersionsFiguresAreWhatItsOwnScoresAndTheSharedLabelsGive() {
        try (MonitoringFixture fx = new MonitoringFixture()) {
            Random r = new Random(11);
            int n = 160;
            // [version][stage]: scores and labels as the fixture builds them, independent of the app
            List<List<float[]>> scored = List.of(new ArrayList<>(), new ArrayList<>());
            List<boolean[]> labels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long t = T0 + i * MIN / 2;
                String user = "u" + (i % 5);
                String item = "i" + i;
                float pc = r.nextFloat();
                float pp = pc * r.nextFloat();
                // the challenger sees the truth a little better: its figures must differ from the champion's
                boolean cart = r.nextFloat() < pc;
                boolean purchase = cart && r.nextFloat() < 0.5f;
                float qc = Math.min(0.99f, Math.max(0.01f, (cart ? 0.3f : 0f) + 0.7f * r.nextFloat()));
                float qp = qc * (purchase ? 0.9f : 0.3f * r.nextFloat());
                // either may be read first: the topics are not ordered with each other
                if (r.nextBoolean()) {
                    fx.predict("r" + i, user, t, CHAMPION, scores(item, p(pc, pp)));
                    fx.predictShadow("r" + i, user, t, CHALLENGER, scores(item, p(qc, qp)));
                } else {
                    fx.predictShadow("r" + i, user, t, CHALLENGER, scores(item, p(qc, qp)));
                    fx.predict("r" + i, user, t, CHAMPION, scores(item, p(pc, pp)));
                }
                if (purchase) fx.event("p" + i, user, item, Action.PURCHASE, t + MIN);
                else if (cart) fx.event("c" + i, user, item, Action.CART, t + MIN);
                scored.get(0).add(new float[] {pc, pp});
                scored.get(1).add(new float[] {qc, qp});
                labels.add(new boolean[] {cart, purchase});
            }
            fx.event("end", "u0", "x", Action.VIEW, T0 + 200 * MIN);
            List<PredictionOutcome> out = fx.outcomes.readValuesToList();
            assertThat(out).hasSize(2 * n);
            for (PredictionOutcome o : out) {
                int i = Integer.parseInt(o.getRequestId().substring(1));
                assertThat(o.getReached()).containsExactly(labels.get(i)[0], labels.get(i)[1]);
                assertThat(o.getShadow()).isEqualTo(o.getModelVersion().equals(CHALLENGER));
            }

            fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
            fx.driver.advanceWallClockTime(Duration.ofSeconds(10)); // the predictions as read, flushed at the first
            Map<String, ModelMetrics> latest = latest(fx);
            double[][] aucs = new double[2][2];
            for (int v = 0; v < 2; v++) {
                String version = v == 0 ? CHAMPION : CHALLENGER;
                for (int k = 0; k < 2; k++) {
                    String stage = k == 0 ? "CART" : "PURCHASE";
                    ScoreHistogram h = new ScoreHistogram();
                    long positives = 0;
                    for (int i = 0; i < n; i++) {
                        h.add(scored.get(v).get(i)[k], labels.get(i)[k]);
                        positives += labels.get(i)[k] ? 1 : 0;
                    }
                    double exact = exactAuc(scored.get(v), labels, k);
                    ModelMetrics m = latest.get(new MetricKey("funnel", version, stage, MetricKey.TOTAL).encode());
                    assertThat(m).as(version + " " + stage).isNotNull();
                    assertThat(m.getPositives()).isEqualTo(positives);
                    assertThat(m.getNegatives()).isEqualTo(n - positives);
                    assertThat(m.getAuc()).isEqualTo(h.auc());
                    assertThat(Math.abs(m.getAuc() - exact)).isLessThanOrEqualTo(m.getAucTieBound());
                    assertThat(m.getScored()).isEqualTo(n);
                    assertThat(m.getExpectedAuc()).isEqualTo(h.expectedAuc());
                    assertThat(gauge(fx, METRIC_AUC, version, stage)).isEqualTo(h.auc());
                    assertThat(gauge(fx, METRIC_POSITIVES, version, stage)).isEqualTo((double) positives);
                    aucs[v][k] = m.getAuc();
                }
            }
            assertThat(aucs[1][0]).as("the versions' figures are their own").isNotEqualTo(aucs[0][0]);
        }
    }

    @Test
    void aForgetOnPredictionsDropsTheUsersShadowPredictionsToo() {
        try (MonitoringFixture fx = new MonitoringFixture()) {
            fx.predict("r1", "u1", T0, CHAMPION, scores("i1", p(0.4f, 0.1f)));
            fx.predictShadow("r1", "u1", T0, CHALLENGER, scores("i1", p(0.5f, 0.2f)));
            fx.predictShadow("r2", "u2", T0, CHALLENGER, scores("i1", p(0.5f, 0.2f)));
            fx.rawPredictions.pipeInput(forget("u1"));
            assertThat(fx.pendingStore().get("u1")).isNull();

            fx.event("end", "u3", "x", Action.VIEW, T0 + 3 * 60 * MIN);
            assertThat(fx.outcomes.readValuesToList()).singleElement().satisfies(o -> {
                assertThat(o.getUserId()).isEqualTo("u2");
                assertThat(o.getShadow()).isTrue();
            });
        }
    }

    @Test
    void onTheShadowTopicAForgetIsObeyedAndWhatCannotBeReadIsCountedAndSkipped() {
        try (MonitoringFixture fx = new MonitoringFixture()) {
            String shadowTopic = fx.topics.shadowPredictions();
            fx.predictShadow("r1", "u1", T0, CHALLENGER, scores("i1", p(0.5f, 0.2f)));
            fx.rawShadow.pipeInput(forget("u1"));
            assertThat(fx.pendingStore().get("u1")).isNull();
            assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "forgotten")).isEqualTo(1);

            fx.rawShadow.pipeInput("u2", (byte[]) null);
            fx.rawShadow.pipeInput("u2", new byte[] {0, 0, 0, 0, 1});
            assertThat(fx.counter(METRIC_UNDECODABLE, TAG_TOPIC, shadowTopic)).isEqualTo(2);
            assertThat(fx.counter(METRIC_UNDECODABLE, TAG_TOPIC, fx.topics.predictions()))
                    .isNaN();
            fx.event("end", "u3", "x", Action.VIEW, T0 + 3 * 60 * MIN);
            assertThat(fx.outcomes.isEmpty()).isTrue();
        }
    }

    @Test
    void withTheShadowTopicSetEmptyItIsNotRead() {
        MonitoringTopics topics = MonitoringTopics.defaults().withShadowPredictions("");
        try (MonitoringFixture fx = new MonitoringFixture(topics)) {
            List<String> sources = new ArrayList<>();
            for (TopologyDescription.Subtopology s : fx.topology.describe().subtopologies()) {
                for (TopologyDescription.Node node : s.nodes()) {
                    if (node instanceof TopologyDescription.Source src) sources.addAll(src.topicSet());
                }
            }
            assertThat(sources)
                    .contains("events", "predictions")
                    .doesNotContain(MonitoringTopics.defaults().shadowPredictions());
            assertThat(fx.shadow).isNull();
            var unread = fx.driver.createInputTopic(
                    MonitoringTopics.defaults().shadowPredictions(),
                    new org.apache.kafka.common.serialization.StringSerializer(),
                    fx.serdes.prediction().serializer());
            assertThatThrownBy(() -> unread.pipeInput(
                            "u1",
                            MonitoringFixture.prediction("r1", "u1", T0, CHALLENGER, scores("i1", p(0.5f, 0.2f)))))
                    .hasMessageContaining("Unknown topic");

            fx.predict("r1", "u1", T0, CHAMPION, scores("i1", p(0.4f, 0.1f)));
            fx.event("end", "u3", "x", Action.VIEW, T0 + 3 * 60 * MIN);
            assertThat(fx.outcomes.readValuesToList()).singleElement().satisfies(o -> {
                assertThat(o.getModelVersion()).isEqualTo(CHAMPION);
                assertThat(o.getShadow()).isFalse();
            });
        }
    }

    private static Map<String, ModelMetrics> latest(MonitoringFixture fx) {
        return fx.metrics.readKeyValuesToList().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value, (a, b) -> b));
    }

    private static double gauge(MonitoringFixture fx, String name, String version, String stage) {
        var g = fx.meters
                .find(name)
                .tag(TAG_VERSION, version)
                .tag(TAG_STAGE, stage)
                .tag(TAG_WINDOW, "total")
                .gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** The AUC by counting pairs (ties half): no histogram. */
    private static double exactAuc(List<float[]> scores, List<boolean[]> labels, int k) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.size(); i++) {
            if (!labels.get(i)[k]) continue;
            for (int j = 0; j < scores.size(); j++) {
                if (labels.get(j)[k]) continue;
                float a = scores.get(i)[k];
                float b = scores.get(j)[k];
                wins += a > b ? 1 : a == b ? 0.5 : 0;
                pairs++;
            }
        }
        return wins / pairs;
    }

    private static TestRecord<String, byte[]> forget(String user) {
        return new TestRecord<>(user, null, ForgetSignal.mark(new RecordHeaders()), (java.time.Instant) null);
    }
}
