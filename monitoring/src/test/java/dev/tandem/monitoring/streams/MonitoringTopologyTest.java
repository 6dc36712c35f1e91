package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.METRIC_AUC;
import static dev.tandem.monitoring.MonitoringNames.METRIC_EVENTS;
import static dev.tandem.monitoring.MonitoringNames.METRIC_POSITIVES;
import static dev.tandem.monitoring.MonitoringNames.METRIC_PREDICTIONS;
import static dev.tandem.monitoring.MonitoringNames.METRIC_UNDECODABLE;
import static dev.tandem.monitoring.MonitoringNames.TAG_FATE;
import static dev.tandem.monitoring.MonitoringNames.TAG_TOPIC;
import static dev.tandem.monitoring.streams.MonitoringFixture.MIN;
import static dev.tandem.monitoring.streams.MonitoringFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.features.eval.ScoreHistogram;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.topics.ForgetSignal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MonitoringTopologyTest {
    private final MonitoringFixture fx = new MonitoringFixture();

    @AfterEach
    void close() {
        fx.close();
    }

    static Map<String, float[]> scores(Object... itemThenProbs) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int i = 0; i < itemThenProbs.length; i += 2)
            m.put((String) itemThenProbs[i], (float[]) itemThenProbs[i + 1]);
        return m;
    }

    static float[] p(float cart, float purchase) {
        return new float[] {cart, purchase};
    }

    @Test
    void anOutcomeIsWrittenOnceTheClockPassesTheHorizonByMoreThanTheGrace() {
        fx.predict("r1", "u1", T0, "v1", scores("i1", p(0.4f, 0.1f), "i2", p(0.2f, 0.05f)));
        fx.event("e1", "u1", "i1", Action.CART, T0 + 10 * MIN);
        fx.event("e2", "u2", "i9", Action.VIEW, T0 + 35 * MIN); // another user moves the task's clock
        assertThat(fx.outcomes.isEmpty())
                .as("an event at the horizon may still come")
                .isTrue();
        fx.event("e3", "u1", "i1", Action.PURCHASE, T0 + 29 * MIN); // late but within the grace: counts
        fx.event("e4", "u2", "i9", Action.VIEW, T0 + 35 * MIN + 1);

        List<KeyValue<String, PredictionOutcome>> out = fx.outcomes.readKeyValuesToList();
        assertThat(out).hasSize(2).allSatisfy(kv -> {
            assertThat(kv.key).isEqualTo("u1");
            assertThat(kv.value.getCensored()).isFalse();
            assertThat(kv.value.getHorizonMs()).isEqualTo(30 * MIN);
            assertThat(kv.value.getGradedAt().toEpochMilli()).isEqualTo(T0 + 35 * MIN + 1);
            assertThat(kv.value.getStages()).containsExactly("CART", "PURCHASE");
        });
        assertThat(out.get(0).value.getItemId()).isEqualTo("i1");
        assertThat(out.get(0).value.getReached()).containsExactly(true, true);
        assertThat(out.get(0).value.getProbabilities()).containsExactly(0.4f, 0.1f);
        assertThat(out.get(1).value.getReached()).containsExactly(false, false);
        assertThat(fx.pendingStore().get("u1"))
                .as("only the conversions stay, until they expire")
                .isNotNull();
    }

    @Test
    void aPredictionReadAfterTheEventsThatAnswerItIsGradedAtOnce() {
        fx.event("e1", "u1", "i1", Action.VIEW, T0);
        fx.event("e2", "u1", "i1", Action.CART, T0 + MIN);
        fx.event("e3", "u3", "x", Action.VIEW, T0 + 50 * MIN);
        fx.predict("r1", "u1", T0, "v1", scores("i1", p(0.4f, 0.1f)));
        assertThat(fx.outcomes.readValuesToList()).singleElement().satisfies(o -> {
            assertThat(o.getReached()).containsExactly(true, false);
            assertThat(o.getCensored()).isFalse();
        });
        assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "graded")).isEqualTo(1);

        fx.event("e4", "u3", "x", Action.VIEW, T0 + 3 * 60 * MIN); // the conversions of u1 expire (kept 1 h)
        fx.predict("r2", "u1", T0, "v1", scores("i1", p(0.4f, 0.1f)));
        assertThat(fx.outcomes.readValuesToList())
                .singleElement()
                .satisfies(
                        o -> assertThat(o.getCensored()).as("too late to grade").isTrue());
        assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "too-late")).isEqualTo(1);
        assertThat(fx.pendingStore().get("u1")).as("nothing left for u1").isNull();
    }

    @Test
    void aScoringJobsStartUpProbeIsNeitherGradedNorCountedAsScored() {
        fx.predict("tandem-probe-0-1-ab12", "u1", T0, "v1", scores("i1", p(0.9f, 0.5f)));
        fx.predict("r1", "u1", T0, "v1", scores("i1", p(0.4f, 0.1f)));
        fx.event("e1", "u1", "i1", Action.CART, T0 + MIN);
        fx.event("e2", "u2", "x", Action.VIEW, T0 + 50 * MIN);

        assertThat(fx.outcomes.readValuesToList())
                .singleElement()
                .satisfies(o -> assertThat(o.getRequestId()).isEqualTo("r1"));
        assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "probe")).isEqualTo(1);
        // one interval for the drift counts to be flushed and routed, one for the figures to be published
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        Map<String, ModelMetrics> latest = fx.metrics.readKeyValuesToList().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value, (a, b) -> b));
        ModelMetrics cart = latest.get(new MetricKey("funnel", "v1", "CART", MetricKey.TOTAL).encode());
        assertThat(cart.getPositives() + cart.getNegatives()).isEqualTo(1);
        assertThat(cart.getScored()).as("candidates read, the probe's left out").isEqualTo(1);
    }

    @Test
    void figuresArePublishedPerModelVersionStageAndWindowAndMatchTheHistogramOfTheOutcomes() {
        Random r = new Random(3);
        ScoreHistogram[] expected = {new ScoreHistogram(), new ScoreHistogram()};
        for (int i = 0; i < 200; i++) {
            long t = T0 + i * MIN / 2; // 100 minutes of requests: windows of two hours
            String item = "i" + i;
            float pc = r.nextFloat();
            float pp = pc * r.nextFloat();
            fx.predict("r" + i, "u" + (i % 7), t, "v1", scores(item, p(pc, pp)));
            boolean cart = r.nextFloat() < pc;
            boolean purchase = cart && r.nextFloat() < pp / Math.max(pc, 1e-6f);
            if (purchase) fx.event("p" + i, "u" + (i % 7), item, Action.PURCHASE, t + MIN);
            else if (cart) fx.event("c" + i, "u" + (i % 7), item, Action.CART, t + MIN);
            expected[0].add(pc, cart || purchase);
            expected[1].add(pp, purchase);
        }
        fx.event("end", "u0", "x", Action.VIEW, T0 + 200 * MIN); // everything due
        assertThat(fx.outcomes.readValuesToList()).hasSize(200);

        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        Map<String, ModelMetrics> latest = fx.metrics.readKeyValuesToList().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value, (a, b) -> b));
        MetricKey cartTotal = new MetricKey("funnel", "v1", "CART", MetricKey.TOTAL);
        assertThat(latest).containsKey(cartTotal.encode());
        for (int k = 0; k < 2; k++) {
            String stage = k == 0 ? "CART" : "PURCHASE";
            ModelMetrics m = latest.get(new MetricKey("funnel", "v1", stage, MetricKey.TOTAL).encode());
            assertThat(m.getWindow()).isEqualTo("total");
            assertThat(m.getWindowStart()).isNull();
            assertThat(m.getPositives()).isEqualTo(expected[k].positives());
            assertThat(m.getNegatives()).isEqualTo(expected[k].negatives());
            assertThat(m.getAuc()).isEqualTo(expected[k].auc());
            assertThat(m.getLogloss()).isCloseTo(expected[k].logloss(), within(1e-12));
            assertThat(m.getEce()).isCloseTo(expected[k].ece(), within(1e-12));
            assertThat(m.getReliability()).hasSize(10);
            assertThat(m.getCensored()).isZero();
            assertThat(fx.gauge(METRIC_AUC, stage, "total")).isEqualTo(expected[k].auc());
            assertThat(fx.gauge(METRIC_POSITIVES, stage, "total")).isEqualTo(expected[k].positives());
            // the windows add up to the total: histograms merge
            long windowed = latest.values().stream()
                    .filter(x -> x.getStage().equals(stage) && x.getWindow().equals("tumbling"))
                    .mapToLong(x -> x.getPositives() + x.getNegatives())
                    .sum();
            assertThat(windowed).isEqualTo(200);
        }
        ModelMetrics firstWindow =
                latest.get(new MetricKey("funnel", "v1", "CART", MetricKey.windowStart(T0, 3_600_000)).encode());
        assertThat(firstWindow.getWindowEnd().toEpochMilli()
                        - firstWindow.getWindowStart().toEpochMilli())
                .isEqualTo(3_600_000);
        assertThat(fx.gauge(METRIC_AUC, "CART", "current"))
                .as("the newest window's gauge")
                .isFinite();

        // the counts of the predictions as read, flushed with the first interval, arrive: the figures gain their
        // expected AUC and base rate
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        ModelMetrics withEstimate = fx.metrics.readKeyValuesToList().stream()
                .filter(kv -> kv.key.equals(cartTotal.encode()))
                .reduce((a, b) -> b)
                .orElseThrow()
                .value;
        assertThat(withEstimate.getScored()).isEqualTo(200);
        assertThat(withEstimate.getExpectedBaseRate()).isCloseTo(expected[0].meanPrediction(), within(1e-6));
        assertThat(withEstimate.getExpectedAuc()).isEqualTo(expected[0].expectedAuc());
        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(fx.metrics.isEmpty())
                .as("nothing changed, nothing published")
                .isTrue();
    }

    @Test
    void aDrainGradesWhatWaitsFinalWhereTheHorizonFitsAndCensoredOtherwise() {
        fx.predict("early", "u1", T0, "v1", scores("i1", p(0.4f, 0.1f)));
        fx.predict("late", "u1", T0 + 20 * MIN, "v1", scores("i1", p(0.4f, 0.1f), "i2", p(0.3f, 0.1f)));
        fx.event("e1", "u1", "i1", Action.CART, T0 + 25 * MIN);
        fx.event("e2", "u1", "i3", Action.VIEW, T0 + 30 * MIN);
        assertThat(fx.outcomes.isEmpty()).isTrue();

        long epoch = fx.drain.request(T0 + 30 * MIN);
        fx.driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(fx.drain.tasksDrained(epoch)).isEqualTo(1);
        Map<String, List<PredictionOutcome>> byRequest = fx.outcomes.readValuesToList().stream()
                .collect(Collectors.groupingBy(o -> o.getRequestId().toString()));
        assertThat(byRequest.get("early")).singleElement().satisfies(o -> {
            assertThat(o.getCensored()).isFalse();
            assertThat(o.getReached()).containsExactly(true, false);
        });
        assertThat(byRequest.get("late"))
                .hasSize(2)
                .allSatisfy(o -> assertThat(o.getCensored()).isTrue());
        assertThat(byRequest.get("late").get(0).getReached()).containsExactly(true, false);

        fx.driver.advanceWallClockTime(Duration.ofSeconds(10));
        ModelMetrics purchase = fx.metrics.readKeyValuesToList().stream()
                .filter(kv -> kv.key.equals(new MetricKey("funnel", "v1", "PURCHASE", MetricKey.TOTAL).encode()))
                .reduce((a, b) -> b)
                .orElseThrow()
                .value;
        assertThat(purchase.getNegatives())
                .as("only the early one is a known negative")
                .isEqualTo(1);
        assertThat(purchase.getCensored()).isEqualTo(2);
    }

    private static TestRecord<String, byte[]> forget(String user) {
        return new TestRecord<>(user, null, ForgetSignal.mark(new RecordHeaders()), (Instant) null);
    }

    @Test
    void aForgetDropsTheUsersWaitingPredictionsAndConversionsUngraded() {
        fx.predict("r1", "u1", T0, "v1", scores("i1", p(0.4f, 0.1f)));
        fx.event("e1", "u1", "i1", Action.CART, T0 + MIN);
        fx.predict("r2", "u2", T0, "v1", scores("i1", p(0.4f, 0.1f)));
        assertThat(fx.pendingStore().get("u1")).isNotNull();

        fx.rawEvents.pipeInput(forget("u1")); // the signal itself: not invalid, acted on when the scorer's comes
        assertThat(fx.pendingStore().get("u1")).isNotNull();
        fx.rawPredictions.pipeInput(forget("u1"));
        fx.rawPredictions.pipeInput(forget("u1")); // again, and for a user never seen: no harm
        fx.rawPredictions.pipeInput(forget("nobody"));
        assertThat(fx.pendingStore().get("u1")).isNull();
        List<String> timerUsers = new ArrayList<>();
        try (var it = fx.timersStore().all()) {
            it.forEachRemaining(kv -> timerUsers.add(OutcomeProcessor.timerUser((Bytes) kv.key)));
        }
        assertThat(timerUsers).containsExactly("u2");

        fx.event("e2", "u3", "x", Action.VIEW, T0 + 3 * 60 * MIN); // well past every horizon
        assertThat(fx.outcomes.readKeyValuesToList())
                .as("only u2's prediction is graded; u1's is neither a positive nor a negative")
                .extracting(kv -> kv.key)
                .containsExactly("u2");
        assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "forgotten")).isEqualTo(3);
        assertThat(fx.counter(METRIC_EVENTS, TAG_FATE, "invalid")).isZero();
        assertThat(fx.counter(METRIC_UNDECODABLE, TAG_TOPIC, "predictions"))
                .as("never counted")
                .isNaN();

        fx.rawPredictions.pipeInput("u2", (byte[]) null); // a bare tombstone is no forget: counted as before
        assertThat(fx.counter(METRIC_UNDECODABLE, TAG_TOPIC, "predictions")).isEqualTo(1);
    }

    @Test
    void recordsItCannotReadOrGradeAreCountedAndSkipped() {
        fx.rawEvents.pipeInput("u1", new byte[] {1, 2, 3});
        fx.rawPredictions.pipeInput("u1", new byte[] {0, 0, 0, 0, 1});
        fx.events.pipeInput("u1", MonitoringFixture.event("e1", "u1", "x".repeat(300), Action.CART, T0, "c"));
        fx.events.pipeInput("someone-else", MonitoringFixture.event("e2", "u1", "i1", Action.CART, T0, "c"));
        Prediction click = Prediction.newBuilder(
                        MonitoringFixture.prediction("r1", "u1", T0, "v1", scores("i1", new float[] {0.1f})))
                .setStages(List.of("CLICK"))
                .build();
        fx.predictions.pipeInput("u1", click);
        fx.event("e3", "u1", "i9", Action.VIEW, T0 + 5 * 60 * MIN);
        assertThat(fx.counter(METRIC_UNDECODABLE, TAG_TOPIC, "events")).isEqualTo(1);
        assertThat(fx.counter(METRIC_UNDECODABLE, TAG_TOPIC, "predictions")).isEqualTo(1);
        assertThat(fx.counter(METRIC_EVENTS, TAG_FATE, "invalid"))
                .as("id too long, key mismatch")
                .isEqualTo(2);
        assertThat(fx.counter(METRIC_PREDICTIONS, TAG_FATE, "refused")).isEqualTo(1);
        assertThat(fx.outcomes.isEmpty()).isTrue();
    }

    @Test
    void stateStaysBoundedManyUsersAreGradedThroughTheTimerIndexAndThenForgotten() {
        for (int u = 0; u < 50; u++) {
            fx.predict("r" + u, "u" + u, T0 + u * MIN, "v1", scores("i1", p(0.3f, 0.1f)));
            fx.event("c" + u, "u" + u, "i1", Action.CART, T0 + u * MIN + 1);
        }
        // each cart moved the clock: by the last one (T0 + 49 min + 1 ms) the first 15 were past horizon + grace
        assertThat(fx.outcomes.readValuesToList()).hasSize(15);
        fx.event("tock", "u0", "x", Action.VIEW, T0 + 4 * 60 * MIN); // everything due and every conversion expired
        assertThat(fx.outcomes.readValuesToList())
                .hasSize(35)
                .allSatisfy(o -> assertThat(o.getReached()).containsExactly(true, false));
        try (var it = fx.pendingStore().all()) {
            assertThat(it.hasNext()).as("no user state left").isFalse();
        }
        try (var it = fx.timersStore().all()) {
            assertThat(it.hasNext()).as("no timer left").isFalse();
        }
    }
}
