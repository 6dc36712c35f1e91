package dev.tandem.platform.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.platform.scoring.LocalScoring;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Score on exposure live: the features app asks for a request per accepted view ({@code topic.exposure.requests}),
 * a scoring job (local MiniCluster, exactly once) reads those requests and writes its own predictions topic, and every
 * prediction equals what the replay path ({@link ExposureScorer}, the features just before each exposure from the
 * user's ordered {@code user-features}) computes for the same exposure: same features' as_of, same probabilities, the
 * same user inputs (the counters and sequence fill published for drift).
 * The events of each user reach the features app in bursts, so the job reads the view's own {@code user-features}
 * update (and later ones) before the request in many cases: the carried features are what keep the two equal.
 */
class ScoreOnExposureIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    private static final String REQUESTS = "exposure-requests";
    private static final String PREDICTIONS = "exposure-predictions";
    private static final String REPLAYED = "exposure-predictions-replayed";

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void everyViewIsScoredWithTheFeaturesJustBeforeItAsTheReplayPathScoresIt() throws Exception {
        KAFKA.createTopics(
                new TopicSpec(REQUESTS, 2, Map.of()),
                new TopicSpec(PREDICTIONS, 2, Map.of()),
                new TopicSpec(REPLAYED, 2, Map.of()));
        Path models = Files.createDirectories(dir.resolve("models"));
        Path modelDir = TinyModels.train(models, "v1", 7);
        List<String> stages = List.of("CART", "PURCHASE");
        KafkaEndpoints endpoints = new KafkaEndpoints(KAFKA.bootstrapServers(), KAFKA.registryUrl());

        List<UserEvent> log = log(new Random(5));
        Set<String> views = new HashSet<>();
        for (UserEvent e : log) if (e.getAction() == Action.VIEW) views.add(e.getEventId());

        Map<String, String> f = new LinkedHashMap<>();
        f.put(FeaturesConfig.APPLICATION_ID, "exposure-it-features");
        f.put(FeaturesConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
        f.put(FeaturesConfig.SCHEMA_REGISTRY_URL, KAFKA.registryUrl());
        f.put(FeaturesConfig.STATE_DIR, dir.resolve("features-state").toString());
        f.put(FeaturesConfig.HTTP_PORT, "0");
        f.put(FeaturesConfig.COMMIT_INTERVAL_MS, "100");
        f.put(FeaturesConfig.ITEM_STATS_ENABLED, "false");
        f.put(FeaturesConfig.TOPIC_EXPOSURE_REQUESTS, REQUESTS);
        ScoringConfig scoring = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(Duration.ofMillis(300))
                .model(modelDir.toString(), stages)
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .groupId("exposure-it-scoring")
                .transactionalIdPrefix("exposure-it-scoring")
                .requestsStartingOffsets(ScoringConfig.RequestOffsets.EARLIEST)
                .set(ScoringConfig.TOPIC_SCORING_REQUESTS, REQUESTS)
                .set(ScoringConfig.TOPIC_PREDICTIONS, PREDICTIONS)
                .build();

        Map<String, Prediction> live = new HashMap<>();
        try (FeaturesApp features = new FeaturesApp(FeaturesConfig.fromMap(f)).start();
                LocalScoring job = LocalScoring.start(scoring)) {
            try (AvroProducer producer = new AvroProducer(endpoints, "exposure-it-events")) {
                for (UserEvent e : log) producer.send(TandemTopics.EVENTS, e.getUserId(), e);
                producer.flush();
            }
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        assertThat(job.failure()).isEmpty();
                        assertThat(features.isHealthy()).isTrue();
                        OnlineGrading.readAll(endpoints, PREDICTIONS, Prediction.class, (k, p) -> {
                            if (views.contains(p.getRequestId())) live.put(p.getRequestId(), p);
                        });
                        assertThat(live).hasSameSizeAs(views);
                    });
        }

        OnlineGrading.Scored replayed = OnlineGrading.scoreExposures(
                endpoints,
                endpoints,
                REPLAYED,
                "exposure-it-replay",
                new OnlineGrading.Model(modelDir, "tiny", "v1", stages),
                log,
                views);
        assertThat(replayed.exposures()).isEqualTo(views.size());
        Map<String, Prediction> expected = new HashMap<>();
        OnlineGrading.readAll(endpoints, REPLAYED, Prediction.class, (k, p) -> expected.put(p.getRequestId(), p));

        assertThat(live.keySet()).isEqualTo(expected.keySet());
        int withHistory = 0;
        for (Prediction p : live.values()) {
            Prediction want = expected.get(p.getRequestId());
            assertThat(p.getUserId()).isEqualTo(want.getUserId());
            assertThat(p.getFeaturesAsOf()).as(p.getRequestId()).isEqualTo(want.getFeaturesAsOf());
            assertThat(p.getCandidates()).hasSize(1);
            assertThat(p.getCandidates().get(0).getItemId())
                    .isEqualTo(want.getCandidates().get(0).getItemId());
            List<Float> got = p.getCandidates().get(0).getProbabilities();
            List<Float> exp = want.getCandidates().get(0).getProbabilities();
            assertThat(got).hasSameSizeAs(exp);
            for (int s = 0; s < got.size(); s++) {
                assertThat(got.get(s))
                        .as("%s stage %s", p.getRequestId(), stages.get(s))
                        .isCloseTo(exp.get(s), org.assertj.core.data.Offset.offset(1e-5f));
            }
            assertThat(p.getUserInputs())
                    .as("%s: the user inputs drift is watched on, as the model saw them", p.getRequestId())
                    .isNotEmpty()
                    .isEqualTo(want.getUserInputs());
            if (p.getFeaturesAsOf() != null) withHistory++;
        }
        assertThat(withHistory).as("most views come after earlier events").isGreaterThan(views.size() / 2);
    }

    /**
     * 24 users, 18 events each, one minute apart, sent user by user (each user's burst reaches the features app at
     * once). Items 0–9 carry a brand and a price on every event, the others none, so the replay path's "as the log
     * knew them" and the request's "from the event" agree.
     */
    private static List<UserEvent> log(Random r) {
        List<UserEvent> out = new ArrayList<>();
        long t0 = Instant.parse("2026-11-01T08:00:00Z").toEpochMilli();
        for (int u = 0; u < 24; u++) {
            for (int k = 0; k < 18; k++) {
                int item = r.nextInt(25);
                int roll = r.nextInt(10);
                Action action = roll < 7 ? Action.VIEW : roll < 9 ? Action.CART : Action.PURCHASE;
                UserEvent.Builder b = UserEvent.newBuilder()
                        .setEventId("x-" + u + "-" + k)
                        .setUserId("user-" + u)
                        .setItemId("item-" + item)
                        .setCategoryId("cat-" + item % 4)
                        .setAction(action)
                        .setEventTime(Instant.ofEpochMilli(t0 + (u * 18L + k) * 60_000L));
                if (item < 10) b.setBrand("brand-" + item % 3).setPrice(5.0 + item);
                out.add(b.build());
            }
        }
        return out;
    }
}
