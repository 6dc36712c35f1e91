package dev.tandem.monitoring.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.eval.ScoreHistogram;
import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.FeatureDrift;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring app on a real broker with exactly_once_v2 and RocksDB stores: predictions of every exposure of
 * a generated log and its events, the app closed midway and restarted on the same state dir (waiting predictions
 * and kept conversions must survive), then drained at the end of the log. Every candidate must have exactly one
 * outcome, and it must be the label offline evaluation gives the exposure from the whole log (censored where its
 * horizon runs past the end); the published totals must be the histogram of those outcomes, and the drift counts
 * (against a model card's reference of the same distributions) must hold every candidate exactly once. A challenger
 * (v2) scores every fifth request on {@code predictions-shadow}: its outcomes are flagged shadow, labelled as v1's,
 * and its totals are the histogram of its own outcomes.
 */
@Timeout(180)
class MonitoringAppIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension().withPartitions(2);

    static final long MIN = 60_000;
    static final Funnel FUNNEL = new Funnel(Funnel.defaults().stages(), Duration.ofMinutes(30));

    @TempDir
    Path tmp;

    record Scored(Prediction prediction, BehaviourEvent exposure, String user) {}

    @Test
    void outcomesMatchOfflineLabelsExactlyOnceAcrossARestartAndTheFiguresAreTheirHistogram() throws Exception {
        Random r = new Random(17);
        long t0 = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();
        List<UserEvent> log = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String user = "u" + r.nextInt(25);
            String item = "i" + r.nextInt(30);
            long t = t0 + r.nextInt(240) * MIN;
            log.add(event("v" + i, user, item, Action.VIEW, t));
            if (r.nextInt(3) == 0) log.add(event("c" + i, user, item, Action.CART, t + r.nextInt(40) * MIN));
            if (r.nextInt(8) == 0) log.add(event("p" + i, user, item, Action.PURCHASE, t + r.nextInt(40) * MIN));
        }
        log.sort(Comparator.comparing(UserEvent::getEventTime));
        long end = log.get(log.size() - 1).getEventTime().toEpochMilli();

        List<Scored> scored = new ArrayList<>();
        for (UserEvent e : log) {
            if (e.getAction() != Action.VIEW) continue;
            String other = "i" + r.nextInt(30);
            List<CandidateScore> candidates = new ArrayList<>();
            candidates.add(new CandidateScore(e.getItemId(), List.of(r.nextFloat(), r.nextFloat() / 4), null));
            if (!other.equals(e.getItemId())) {
                candidates.add(new CandidateScore(other, List.of(r.nextFloat(), r.nextFloat() / 4), null));
            }
            Prediction p = Prediction.newBuilder()
                    .setRequestId("req-" + e.getEventId())
                    .setUserId(e.getUserId())
                    .setModelName("funnel")
                    .setModelVersion("v1")
                    .setRequestTime(e.getEventTime())
                    .setStages(List.of("CART", "PURCHASE"))
                    .setCandidates(candidates)
                    .setTimings(new PredictionTimings(Instant.EPOCH, Instant.EPOCH, 0L, 0L, 0))
                    .build();
            scored.add(new Scored(p, BehaviourEvent.of(e), e.getUserId()));
        }
        int candidates = scored.stream()
                .mapToInt(s -> s.prediction().getCandidates().size())
                .sum();
        // a challenger scoring every fifth request beside v1, on predictions-shadow: graded on the same events
        List<Prediction> shadow = new ArrayList<>();
        for (int i = 0; i < scored.size(); i += 5) {
            Prediction p = scored.get(i).prediction();
            List<CandidateScore> rescored = new ArrayList<>();
            for (CandidateScore c : p.getCandidates())
                rescored.add(new CandidateScore(c.getItemId(), List.of(r.nextFloat(), r.nextFloat() / 2), null));
            shadow.add(Prediction.newBuilder(p)
                    .setModelVersion("v2")
                    .setCandidates(rescored)
                    .build());
        }
        int shadowCandidates =
                shadow.stream().mapToInt(p -> p.getCandidates().size()).sum();

        // a card whose validation period scored like these predictions: PSI near 0, every candidate counted once
        Random v = new Random(3);
        float[] validation = new float[2_000 * 2];
        for (int i = 0; i < validation.length; i += 2) {
            validation[i] = v.nextFloat();
            validation[i + 1] = v.nextFloat() / 4;
        }
        double[] unknown = new double[2_000];
        java.util.Arrays.fill(unknown, Double.NaN);
        DriftReference reference = DriftReference.of(List.of("CART", "PURCHASE"), validation, unknown, unknown, 10);
        Path cards = Files.createDirectories(tmp.resolve("models/funnel/v1"));
        Files.writeString(
                cards.resolve("model-card.json"),
                new ObjectMapper()
                        .writeValueAsString(
                                Map.of("name", "funnel", "version", "v1", DriftReference.CARD_KEY, reference.toMap())));

        MonitoringConfig config = MonitoringConfig.fromMap(Map.ofEntries(
                Map.entry(MonitoringConfig.MODEL_CARDS, tmp.resolve("models").toString()),
                Map.entry(MonitoringConfig.APPLICATION_ID, "monitoring-it"),
                Map.entry(MonitoringConfig.BOOTSTRAP_SERVERS, CLUSTER.bootstrapServers()),
                Map.entry(MonitoringConfig.SCHEMA_REGISTRY_URL, CLUSTER.registryUrl()),
                Map.entry(MonitoringConfig.STATE_DIR, tmp.resolve("state").toString()),
                Map.entry(MonitoringConfig.HTTP_PORT, "0"),
                Map.entry(MonitoringConfig.FUNNEL_HORIZON, "30m"),
                Map.entry(MonitoringConfig.OUTCOME_GRACE, "1m"),
                // the predictions are all sent before most events: keep conversions for the whole log
                Map.entry(MonitoringConfig.PREDICTION_MAX_DELAY, "1d"),
                Map.entry(MonitoringConfig.METRICS_INTERVAL, "200ms"),
                Map.entry(MonitoringConfig.PUNCTUATE_INTERVAL, "100ms")));

        int half = log.size() / 2;
        try (KafkaProducer<String, Object> producer = CLUSTER.avroProducer()) {
            MonitoringApp first = new MonitoringApp(config).start();
            try {
                for (Scored s : scored)
                    producer.send(new ProducerRecord<>(TandemTopics.PREDICTIONS, s.user(), s.prediction()));
                for (Prediction p : shadow)
                    producer.send(new ProducerRecord<>(TandemTopics.PREDICTIONS_SHADOW, p.getUserId(), p));
                for (UserEvent e : log.subList(0, half))
                    producer.send(new ProducerRecord<>(TandemTopics.EVENTS, e.getUserId(), e));
                producer.flush();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> read(first, MonitoringNames.METRIC_EVENTS) >= half
                                && read(first, MonitoringNames.METRIC_PREDICTIONS) >= scored.size() + shadow.size());
            } finally {
                first.close();
            }

            MonitoringApp second = new MonitoringApp(config).start();
            try {
                for (UserEvent e : log.subList(half, log.size()))
                    producer.send(new ProducerRecord<>(TandemTopics.EVENTS, e.getUserId(), e));
                producer.flush();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> read(second, MonitoringNames.METRIC_EVENTS) >= log.size() - half);
                second.drain(Instant.ofEpochMilli(end), Duration.ofSeconds(30));

                List<PredictionOutcome> all;
                try (CommittedRecords out = CLUSTER.committed("verify-outcomes", TandemTopics.PREDICTION_OUTCOMES)) {
                    out.awaitCount(candidates + shadowCandidates, Duration.ofSeconds(60))
                            .drainUntilQuiet(Duration.ofMillis(1_500), Duration.ofSeconds(30));
                    all = out.values(CLUSTER.avroDeserializer(PredictionOutcome.class));
                }
                assertThat(all)
                        .as("exactly one outcome per candidate of each version")
                        .hasSize(candidates + shadowCandidates);
                List<PredictionOutcome> outcomes = all.stream()
                        .filter(o -> o.getModelVersion().equals("v1"))
                        .toList();
                assertThat(outcomes).hasSize(candidates).noneMatch(PredictionOutcome::getShadow);
                checkAgainstOfflineLabels(log, scored, outcomes, end);
                checkShadowOutcomes(all, outcomes, shadowCandidates);

                ScoreHistogram[] expected = {new ScoreHistogram(), new ScoreHistogram()};
                long[] censored = new long[2];
                for (PredictionOutcome o : outcomes) {
                    for (int k = 0; k < 2; k++) {
                        boolean reached = o.getReached().get(k);
                        if (FunnelLabels.known(reached, o.getCensored()))
                            expected[k].add(o.getProbabilities().get(k), reached);
                        else censored[k]++;
                    }
                }
                Map<String, ModelMetrics> totals = new HashMap<>();
                try (CommittedRecords out = CLUSTER.committed("verify-metrics", TandemTopics.MODEL_METRICS)) {
                    out.pollUntil(Duration.ofSeconds(60), () -> {
                        for (ModelMetrics m : out.values(CLUSTER.avroDeserializer(ModelMetrics.class))) {
                            if (m.getWindowStart() == null
                                    && m.getModelVersion().equals("v1")) totals.put(m.getStage(), m);
                            if (m.getWindowStart() == null
                                    && m.getModelVersion().equals("v2")) totals.put("v2 " + m.getStage(), m);
                        }
                        return totals.size() == 4
                                && totals.values().stream().allMatch(m -> {
                                    int n = m.getModelVersion().equals("v1") ? candidates : shadowCandidates;
                                    return m.getPositives() + m.getNegatives() + m.getCensored() == n
                                            && m.getScored() == n;
                                });
                    });
                }
                for (int k = 0; k < 2; k++) {
                    ModelMetrics m = totals.get(k == 0 ? "CART" : "PURCHASE");
                    assertThat(m.getPositives()).isEqualTo(expected[k].positives());
                    assertThat(m.getNegatives()).isEqualTo(expected[k].negatives());
                    assertThat(m.getCensored()).isEqualTo(censored[k]);
                    assertThat(m.getAuc()).isEqualTo(expected[k].auc());
                    assertThat(m.getLogloss()).isCloseTo(expected[k].logloss(), within(1e-9));
                    assertThat(m.getScorePsi()).as("drawn like the reference").isLessThan(0.1);
                    assertThat(m.getFeatureDrift())
                            .extracting(FeatureDrift::getFeature, FeatureDrift::getCount, FeatureDrift::getMissing)
                            .containsExactly(
                                    tuple(DriftFeatures.CANDIDATE_PRICE, (long) candidates, (long) candidates),
                                    tuple(DriftFeatures.USER_RECENCY_HOURS, (long) scored.size(), (long)
                                            scored.size()));
                }
                for (int k = 0; k < 2; k++) {
                    ScoreHistogram v2 = new ScoreHistogram();
                    for (PredictionOutcome o : all) {
                        boolean reached = o.getReached().get(k);
                        if (o.getShadow() && FunnelLabels.known(reached, o.getCensored()))
                            v2.add(o.getProbabilities().get(k), reached);
                    }
                    ModelMetrics m = totals.get("v2 " + (k == 0 ? "CART" : "PURCHASE"));
                    assertThat(m.getPositives()).isEqualTo(v2.positives());
                    assertThat(m.getAuc()).isEqualTo(v2.auc());
                }
                String scrape = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.httpPort() + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(scrape)
                        .contains(
                                "tandem_monitoring_auc{model=\"funnel\",stage=\"CART\",version=\"v1\",window=\"total\"}")
                        .contains("tandem_monitoring_outcomes_total")
                        .contains(
                                "tandem_monitoring_score_psi{model=\"funnel\",stage=\"CART\",version=\"v1\",window=\"total\"}");
            } finally {
                second.close();
            }
        }
    }

    /** The challenger's outcomes are flagged shadow and labelled as v1's of the same request and item. */
    private static void checkShadowOutcomes(
            List<PredictionOutcome> all, List<PredictionOutcome> v1, int shadowCandidates) {
        Map<String, PredictionOutcome> byCandidate = new HashMap<>();
        for (PredictionOutcome o : v1) byCandidate.put(o.getRequestId() + "|" + o.getItemId(), o);
        List<PredictionOutcome> v2 =
                all.stream().filter(o -> o.getModelVersion().equals("v2")).toList();
        assertThat(v2).hasSize(shadowCandidates).allMatch(PredictionOutcome::getShadow);
        for (PredictionOutcome o : v2) {
            PredictionOutcome champion = byCandidate.get(o.getRequestId() + "|" + o.getItemId());
            assertThat(champion).as("v1's outcome of %s", o).isNotNull();
            assertThat(o.getReached()).isEqualTo(champion.getReached());
            assertThat(o.getCensored()).isEqualTo(champion.getCensored());
        }
    }

    /** Every candidate's outcome is the label FunnelLabels gives its item from the whole log, masked as offline. */
    private static void checkAgainstOfflineLabels(
            List<UserEvent> log, List<Scored> scored, List<PredictionOutcome> outcomes, long end) {
        FunnelLabels<BehaviourEvent> rules = FunnelLabels.of(FUNNEL);
        Map<String, List<BehaviourEvent>> byUser = new HashMap<>();
        for (UserEvent e : log)
            byUser.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(BehaviourEvent.of(e));
        Map<String, PredictionOutcome> byCandidate = new HashMap<>();
        for (PredictionOutcome o : outcomes) byCandidate.put(o.getRequestId() + "|" + o.getItemId(), o);
        float[] labels = new float[2];
        float[] mask = new float[2];
        for (Scored s : scored) {
            long t = s.exposure().eventTimeMs();
            List<BehaviourEvent> timeline = rules.timeline(byUser.get(s.user()));
            for (CandidateScore c : s.prediction().getCandidates()) {
                PredictionOutcome o = byCandidate.get(s.prediction().getRequestId() + "|" + c.getItemId());
                assertThat(o).isNotNull();
                // the exposed item: training's rule on the timeline; another candidate: the rule for a time
                int reached = c.getItemId().equals(s.exposure().itemId())
                        ? rules.reachedStage(timeline, timeline.indexOf(s.exposure()))
                        : rules.reachedStage(t, c.getItemId(), timeline);
                rules.label(reached, rules.censored(t, end), labels, mask, 0);
                assertThat(o.getCensored()).as("censored %s", o).isEqualTo(rules.censored(t, end));
                for (int k = 0; k < 2; k++) {
                    assertThat(FunnelLabels.known(o.getReached().get(k), o.getCensored()))
                            .isEqualTo(mask[k] > 0);
                    if (mask[k] > 0)
                        assertThat(o.getReached().get(k)).as("%s", o).isEqualTo(labels[k] > 0);
                }
            }
        }
    }

    private static double read(MonitoringApp app, String counter) {
        double n = 0;
        for (Counter c : app.meters().find(counter).counters()) n += c.count();
        return n;
    }

    private static UserEvent event(String id, String user, String item, Action action, long t) {
        return UserEvent.newBuilder()
                .setEventId(id)
                .setUserId(user)
                .setItemId(item)
                .setCategoryId("c" + item.hashCode() % 5)
                .setAction(action)
                .setEventTime(Instant.ofEpochMilli(t))
                .build();
    }
}
