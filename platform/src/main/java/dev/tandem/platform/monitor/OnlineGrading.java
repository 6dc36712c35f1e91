package dev.tandem.platform.monitor;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Grading a model online over a known log, on a cluster whose features app has read that log: what
 * {@code tandem monitor --data} ({@link MonitorReplay}, on a cluster of its own) and {@code tandem demo} (on the demo's
 * cluster) share. Score on exposure from {@code user-features} ({@link ExposureScorer}) into {@code predictions}, run
 * the monitoring app with settings that keep every conversion of the log, wait until it has read its input, and read
 * its per-stage totals back ({@link ModelTotals}).
 */
public final class OnlineGrading {
    /** A wait gives up when what it watches has not moved for this long. */
    public static final Duration STALL = Duration.ofSeconds(90);

    private OnlineGrading() {}

    /** A model version as the monitoring app tells them apart ({@code name/version}), and where it was exported. */
    public record Model(Path dir, String name, String version, List<String> stages) {
        public Model {
            stages = List.copyOf(stages);
        }
    }

    /** How many exposures were scored, and how many {@code user-features} records it took. */
    public record Scored(int exposures, long featureRecords) {
        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "scored %,d exposures with the features just before each (%,d user-features records read)",
                    exposures,
                    featureRecords);
        }
    }

    /** The exposures {@code tandem evaluate} grades: the validation split's, by event id. */
    public static Set<String> validationExposures(ExampleSet examples) {
        return new HashSet<>(
                Arrays.asList(examples.exposureEventIds()).subList(examples.trainCount(), examples.size()));
    }

    /**
     * The monitoring app's grading settings for a log whose predictions all come after its events: the funnel,
     * conversions kept for the whole log, the model's card for the PSI; the caller adds where it runs.
     *
     * @param modelCards the model's export (its card's drift reference gives the PSI of the predictions)
     * @param interval   how often the running figures are published to {@code model-metrics}
     */
    public static Map<String, String> monitoringSettings(
            Funnel funnel, List<UserEvent> log, long dataEndMs, Path modelCards, Duration window, Duration interval) {
        long first = dataEndMs;
        for (UserEvent e : log) first = Math.min(first, e.getEventTime().toEpochMilli());
        // every prediction is read after every event: the conversions must be kept for the whole log
        Duration maxDelay = Duration.ofMillis(Math.max(0, dataEndMs - first))
                .plus(funnel.horizon())
                .plusDays(1);
        return Map.of(
                MonitoringConfig.FUNNEL_STAGES,
                String.join(",", funnel.stages().stream().map(Enum::name).toList()),
                MonitoringConfig.FUNNEL_HORIZON,
                Durations.format(funnel.horizon()),
                MonitoringConfig.PREDICTION_MAX_DELAY,
                Durations.format(maxDelay),
                MonitoringConfig.METRICS_WINDOW,
                Durations.format(window),
                MonitoringConfig.METRICS_INTERVAL,
                Durations.format(interval),
                MonitoringConfig.PUNCTUATE_INTERVAL,
                "100ms",
                MonitoringConfig.STATE_STORE_TYPE,
                "in-memory",
                MonitoringConfig.MODEL_CARDS,
                modelCards.toString());
    }

    /**
     * Scores each exposure of {@code toScore} with its user's {@code user-features} record just before it, reading
     * the topic from the start up to its end now (every version must still be there: see {@link ExposureScorer}),
     * and sends the predictions to {@code topic}, one candidate each.
     *
     * @param features      reads {@code user-features}
     * @param predictionsTo writes {@code topic} (on a secured cluster: a principal allowed to, the scoring job's)
     * @throws IllegalStateException when an exposure never appeared in {@code user-features}
     */
    public static Scored scoreExposures(
            KafkaEndpoints features,
            KafkaEndpoints predictionsTo,
            String topic,
            String clientId,
            Model model,
            List<UserEvent> log,
            Set<String> toScore)
            throws Exception {
        try (AvroProducer producer = new AvroProducer(predictionsTo, clientId);
                ExposureScorer scorer = new ExposureScorer(
                        FunnelScorer.load(model.dir(), FeatureSpec.read(model.dir()), model.stages()),
                        log,
                        toScore,
                        model.stages(),
                        model.name(),
                        model.version(),
                        p -> producer.send(topic, p.getUserId(), p))) {
            long records = readAll(features, TandemTopics.USER_FEATURES, UserFeatures.class, scorer::accept);
            scorer.flush();
            producer.flush();
            Collection<UserEvent> unmet = scorer.unmet();
            if (!unmet.isEmpty()) {
                UserEvent e = unmet.iterator().next();
                throw new IllegalStateException(unmet.size() + " of " + toScore.size()
                        + " exposures to grade never appeared in user-features (e.g. event " + e.getEventId()
                        + " of user " + e.getUserId() + "): the features app refused or merged them");
            }
            return new Scored(scorer.scored(), records);
        }
    }

    /** Every committed record of the topic up to its end offsets now, per partition in order (null: a tombstone). */
    static <T extends SpecificRecord> long readAll(
            KafkaEndpoints endpoints, String topic, Class<T> type, BiConsumer<String, T> each) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        long n = 0;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                        endpoints.client(props), new StringDeserializer(), new ByteArrayDeserializer());
                TandemAvroDeserializer<T> values =
                        AvroSerdes.valueDeserializer(endpoints.registryUrl(), endpoints.registryConfigs())) {
            List<TopicPartition> tps = fromStart(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    each.accept(r.key(), r.value() == null ? null : values.deserialize(topic, r.headers(), r.value()));
                    n++;
                }
            }
        }
        return n;
    }

    /** Assigns every partition of {@code topic} to {@code consumer}, from the start (no group: nothing committed). */
    static List<TopicPartition> fromStart(KafkaConsumer<?, ?> consumer, String topic) {
        List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        return tps;
    }

    /**
     * Waits until the group's committed offsets reach the topics' end offsets as of now (it has read, and committed,
     * all); {@code admin} must be allowed to describe the group and the topics.
     */
    public static void awaitCaughtUp(
            Admin admin, String group, List<String> topics, BooleanSupplier healthy, String what) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(topics)
                .allTopicNames()
                .get()
                .forEach((topic, d) -> d.partitions()
                        .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        long lastProgress = System.nanoTime();
        long behindBefore = Long.MAX_VALUE;
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            long behind = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                OffsetAndMetadata o = committed.get(e.getKey());
                behind += Math.max(0, e.getValue() - (o == null ? 0 : o.offset()));
            }
            if (behind == 0) return;
            if (!healthy.getAsBoolean()) throw new IllegalStateException("the " + what + " stopped");
            if (behind < behindBefore) {
                behindBefore = behind;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new IllegalStateException("the " + what + " made no progress for " + STALL.toSeconds()
                        + " s with " + behind + " records left to read");
            }
            Thread.sleep(100); // polling the group's offsets: nothing to block on across processes
        }
    }
}
