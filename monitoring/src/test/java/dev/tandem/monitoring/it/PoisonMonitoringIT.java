package dev.tandem.monitoring.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.PoisonCorpus.Entry;
import dev.tandem.testkit.poison.PoisonLedger;
import dev.tandem.testkit.poison.ValidRecords;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison corpus ({@link PoisonCorpus}) on the monitoring app's inputs, {@code predictions} and {@code events},
 * each entry between valid records, on a real broker under exactly_once_v2. Monitoring dead-letters nothing: each of
 * its inputs has a component that does (events: the features app; predictions: the sinks' dead-letter queue), and
 * a second dead letter of the same record from every reader would make the dead letters no longer count the bad
 * records. So here every unreadable entry is counted ({@code tandem.monitoring.undecodable.records}, per topic)
 * exactly once, every readable one is given a fate (graded, refused, invalid...), every valid prediction around them
 * is graded, and the app still runs.
 */
@Timeout(120)
class PoisonMonitoringIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension();

    @TempDir
    Path tmp;

    @Test
    void unreadableInputIsCountedAndEveryValidPredictionIsGraded() throws Exception {
        TandemAvroSerializer<Object> ser = CLUSTER.avroSerializer();
        PoisonCorpus corpus = new PoisonCorpus(ser);
        Instant t0 = Instant.now().minus(Duration.ofDays(1));
        List<Entry> predictions = corpus.predictions(graded(ValidRecords.prediction("r-poison", "u-poison", t0)));
        List<Entry> events =
                corpus.events(ValidRecords.event("e-poison", "u-poison", "i-1", Action.CART, t0.plusSeconds(60)));

        MonitoringApp app = new MonitoringApp(MonitoringConfig.fromMap(Map.ofEntries(
                        Map.entry(MonitoringConfig.APPLICATION_ID, "monitoring-poison-it"),
                        Map.entry(MonitoringConfig.BOOTSTRAP_SERVERS, CLUSTER.bootstrapServers()),
                        Map.entry(MonitoringConfig.SCHEMA_REGISTRY_URL, CLUSTER.registryUrl()),
                        Map.entry(
                                MonitoringConfig.STATE_DIR, tmp.resolve("state").toString()),
                        Map.entry(MonitoringConfig.HTTP_PORT, "0"),
                        Map.entry(MonitoringConfig.FUNNEL_HORIZON, "30m"),
                        Map.entry(MonitoringConfig.PREDICTION_MAX_DELAY, "1d"),
                        Map.entry(MonitoringConfig.METRICS_INTERVAL, "200ms"),
                        Map.entry(MonitoringConfig.PUNCTUATE_INTERVAL, "100ms"))))
                .start();
        PoisonLedger ledger = new PoisonLedger();
        Set<String> validRequests = new HashSet<>();
        int validEvents = 0;
        try (KafkaProducer<byte[], byte[]> producer = CLUSTER.rawProducer()) {
            int r = 0;
            for (Entry e : predictions) {
                String user = "u" + r % 5;
                validRequests.add("req-" + r);
                send(
                        producer,
                        TandemTopics.PREDICTIONS,
                        user,
                        ser.serialize(
                                TandemTopics.PREDICTIONS,
                                graded(ValidRecords.prediction("req-" + r, user, t0.plusSeconds(r)))));
                r++;
                ledger.send(producer, TandemTopics.PREDICTIONS, e);
            }
            int i = 0;
            for (Entry e : events) {
                String user = "u" + i % 5;
                send(
                        producer,
                        TandemTopics.EVENTS,
                        user,
                        ser.serialize(
                                TandemTopics.EVENTS,
                                ValidRecords.event("e-" + i, user, "i-1", Action.VIEW, t0.plusSeconds(120 + i))));
                validEvents++;
                i++;
                ledger.send(producer, TandemTopics.EVENTS, e);
            }
        }
        long unreadablePredictions = count(predictions, true);
        long readablePredictions = count(predictions, false);
        long unreadableEvents = count(events, true);
        long readableEvents = count(events, false);
        int expectedPredictions = validRequests.size() + (int) readablePredictions;
        int expectedEvents = validEvents + (int) readableEvents;

        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> read(app, MonitoringNames.METRIC_PREDICTIONS) >= expectedPredictions
                            && read(app, MonitoringNames.METRIC_EVENTS) >= expectedEvents
                            && undecodable(app, TandemTopics.PREDICTIONS) >= unreadablePredictions
                            && undecodable(app, TandemTopics.EVENTS) >= unreadableEvents);
            app.drain(t0.plus(Duration.ofDays(1)), Duration.ofSeconds(30));

            Set<String> graded = new HashSet<>();
            try (CommittedRecords out = CLUSTER.committed("poison-outcomes", TandemTopics.PREDICTION_OUTCOMES)) {
                out.pollUntil(Duration.ofSeconds(30), () -> {
                    for (PredictionOutcome o : out.values(CLUSTER.avroDeserializer(PredictionOutcome.class)))
                        graded.add(o.getRequestId());
                    return graded.containsAll(validRequests);
                });
            }
            assertThat(graded).as("every valid prediction graded").containsAll(validRequests);
            // exact, once everything was read: each record counted once, as one fate or as undecodable
            assertThat(read(app, MonitoringNames.METRIC_PREDICTIONS)).isEqualTo(expectedPredictions);
            assertThat(undecodable(app, TandemTopics.PREDICTIONS)).isEqualTo(unreadablePredictions);
            assertThat(read(app, MonitoringNames.METRIC_EVENTS)).isEqualTo(expectedEvents);
            assertThat(undecodable(app, TandemTopics.EVENTS)).isEqualTo(unreadableEvents);
            assertThat(app.isHealthy()).as("still running").isTrue();
        } finally {
            app.close();
        }
    }

    /** Entries that are ({@code unreadable}) or are not records of their topic's type; a tombstone is readable (an invalid event). */
    private static long count(List<Entry> entries, boolean unreadable) {
        return entries.stream()
                .filter(e -> PoisonCorpus.UNREADABLE.contains(e.kind()) == unreadable)
                .count();
    }

    /** {@code p} with one probability per stage after the exposure, what the default funnel (view, cart, purchase) grades. */
    private static Prediction graded(Prediction p) {
        List<CandidateScore> candidates = new ArrayList<>();
        for (CandidateScore c : p.getCandidates()) {
            candidates.add(CandidateScore.newBuilder(c)
                    .setProbabilities(c.getProbabilities().subList(1, 3))
                    .build());
        }
        return Prediction.newBuilder(p)
                .setStages(List.of("CART", "PURCHASE"))
                .setCandidates(candidates)
                .build();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }

    private static double read(MonitoringApp app, String counter) {
        double n = 0;
        for (Counter c : app.meters().find(counter).counters()) n += c.count();
        return n;
    }

    private static double undecodable(MonitoringApp app, String topic) {
        Counter c = app.meters()
                .find(MonitoringNames.METRIC_UNDECODABLE)
                .tag(MonitoringNames.TAG_TOPIC, topic)
                .counter();
        return c == null ? 0 : c.count();
    }
}
