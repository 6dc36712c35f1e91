package dev.tandem.bench.monitoring;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.monitoring.MonitoringSerdes;
import dev.tandem.monitoring.MonitoringTopology;
import dev.tandem.monitoring.core.Outcome;
import dev.tandem.monitoring.core.OutcomeGrader;
import dev.tandem.monitoring.core.PendingPrediction;
import dev.tandem.monitoring.core.UserOutcomes;
import dev.tandem.monitoring.streams.AvroOutcomes;
import dev.tandem.monitoring.streams.OutcomeOutput;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The baseline: the monitoring app's join done by a plain {@link KafkaConsumer} → {@link KafkaProducer} loop on one
 * thread, with the same rules and the same records in and out, and none of Kafka Streams: per partition (what a task is
 * to the app) a clock, a {@link HashMap} of each user's {@link UserOutcomes} (waiting predictions and kept conversions)
 * and a {@link PriorityQueue} of user timers; no state store, changelog, transaction or repartition, no figures.
 *
 * <p>What it shares with the app's {@code OutcomeProcessor}, so the outcomes are the same: the serdes
 * ({@link MonitoringSerdes}), the event rules ({@link EventValidator}), the grading rules ({@link OutcomeGrader}:
 * conversions kept, predictions graded once the clock passes horizon + grace, expiry) and the outcome records
 * ({@link AvroOutcomes}). Like a Kafka Streams task it takes the two topics' records of a partition in timestamp order
 * (the head with the lower timestamp first, waiting while one partition has nothing buffered but more on the broker), and
 * pauses a partition with more than 1,000 records buffered (Streams' {@code buffered.records.per.partition}). The
 * consumer commits its offsets automatically (a plain consumer's default); the producer is the platform's bulk one
 * ({@link ProducerSettings#throughput}: idempotent, lz4).
 */
final class BaselineJoin {
    private static final int BUFFERED = 1_000;

    private record Timer(long time, String user) {}

    private final OutcomeGrader grader;
    private final EventValidator validator;
    private final long horizonMs;
    private final Deserializer<UserEvent> events;
    private final Deserializer<Prediction> predictions;
    private final Serializer<OutcomeOutput> outcomes;
    private final String bootstrap;
    private final String outTopic;
    private final SendErrors errors = new SendErrors();
    private KafkaProducer<byte[], byte[]> producer;

    BaselineJoin(MonitoringTopology.Options options, String bootstrap, String registryUrl, String outTopic) {
        this.grader = options.grader();
        this.validator =
                new EventValidator(options.maxIdLength(), options.maxClockSkew().toMillis());
        this.horizonMs = options.funnel().horizon().toMillis();
        MonitoringSerdes serdes = MonitoringSerdes.forRegistry(registryUrl, Map.of());
        this.events = serdes.userEvent().deserializer();
        this.predictions = serdes.prediction().deserializer();
        this.outcomes = serdes.outcomeRecords().serializer();
        this.bootstrap = bootstrap;
        this.outTopic = outTopic;
    }

    /** One partition of both inputs: what one task of the app holds. */
    private final class Part {
        final TopicPartition eventsTp;
        final TopicPartition predictionsTp;
        final ArrayDeque<ConsumerRecord<byte[], byte[]>> ev = new ArrayDeque<>();
        final ArrayDeque<ConsumerRecord<byte[], byte[]>> pr = new ArrayDeque<>();
        final Map<String, UserOutcomes> users = new HashMap<>();
        final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::time));
        long clock = OutcomeGrader.NO_CLOCK;

        Part(TopicPartition eventsTp, TopicPartition predictionsTp) {
            this.eventsTp = eventsTp;
            this.predictionsTp = predictionsTp;
        }

        /** Takes the buffered records in timestamp order while the order is known. */
        void process(Map<TopicPartition, Long> fetched, Map<TopicPartition, Long> end) {
            while (true) {
                ConsumerRecord<byte[], byte[]> a = ev.peekFirst();
                ConsumerRecord<byte[], byte[]> b = pr.peekFirst();
                if (a == null && fetched.get(eventsTp) < end.get(eventsTp)) return;
                if (b == null && fetched.get(predictionsTp) < end.get(predictionsTp)) return;
                if (a == null && b == null) return;
                if (b == null || (a != null && a.timestamp() <= b.timestamp())) {
                    ev.pollFirst();
                    onEvent(a);
                } else {
                    pr.pollFirst();
                    onPrediction(b);
                }
            }
        }

        void onEvent(ConsumerRecord<byte[], byte[]> r) {
            if (r.value() == null) return;
            UserEvent event;
            BehaviourEvent e;
            try {
                event = events.deserialize(r.topic(), r.headers(), r.value());
                String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                validator.validate(key, event, System.currentTimeMillis());
                e = BehaviourEvent.of(event);
            } catch (RuntimeException ex) { // not our Avro, or an invalid event: skipped, as the app does
                return;
            }
            if (grader.isConversion(e.action())) {
                String user = event.getUserId();
                UserOutcomes s = users.get(user);
                if (s == null) s = new UserOutcomes();
                if (grader.addConversion(s, e, clock)) save(user, s);
            }
            if (e.eventTimeMs() > clock) {
                clock = e.eventTimeMs();
                fireTimers();
            }
        }

        void onPrediction(ConsumerRecord<byte[], byte[]> r) {
            Prediction prediction;
            PendingPrediction p;
            try {
                prediction = r.value() == null ? null : predictions.deserialize(r.topic(), r.headers(), r.value());
                if (prediction == null) return;
                p = AvroOutcomes.pending(prediction);
            } catch (RuntimeException ex) {
                return;
            }
            String user = prediction.getUserId();
            if (user == null || user.isBlank() || grader.refusal(p) != null) return;
            UserOutcomes s = users.get(user);
            if (s == null) s = new UserOutcomes();
            emit(user, grader.addPrediction(s, p, clock));
            save(user, s);
        }

        void fireTimers() {
            while (!timers.isEmpty() && timers.peek().time() <= clock) {
                Timer t = timers.poll();
                UserOutcomes s = users.get(t.user());
                if (s == null || s.armedTimerMs() != t.time()) continue; // superseded by a later arming
                emit(t.user(), grader.gradeDue(s, clock));
                grader.purge(s, clock);
                save(t.user(), s);
            }
        }

        void save(String user, UserOutcomes s) {
            long next = grader.nextTimerMs(s);
            if (next != s.armedTimerMs()) {
                if (next != Long.MAX_VALUE) timers.add(new Timer(next, user));
                s.armedTimerMs(next);
            }
            if (s.isEmpty()) users.remove(user);
            else users.put(user, s);
        }
    }

    private void emit(String user, List<Outcome> graded) {
        if (graded.isEmpty()) return;
        long now = System.currentTimeMillis();
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        for (Outcome o : graded) {
            byte[] value = outcomes.serialize(outTopic, new OutcomeOutput.Record(user, o, horizonMs));
            producer.send(new ProducerRecord<>(outTopic, null, now, key, value), errors);
        }
    }

    /**
     * Reads both input topics from the beginning to {@code end} (their offsets when pre-filled), joining as it goes, and
     * returns once every outcome it wrote is acknowledged.
     */
    void run(String eventsTopic, String predictionsTopic, Map<TopicPartition, Long> end, int partitions, String group) {
        List<Part> parts = new ArrayList<>();
        Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> queues = new HashMap<>();
        Map<TopicPartition, Long> fetched = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            Part part = new Part(new TopicPartition(eventsTopic, p), new TopicPartition(predictionsTopic, p));
            parts.add(part);
            queues.put(part.eventsTp, part.ev);
            queues.put(part.predictionsTp, part.pr);
        }
        for (TopicPartition tp : queues.keySet()) {
            fetched.put(tp, 0L);
            if (!end.containsKey(tp)) throw new IllegalArgumentException("no end offset for " + tp);
        }
        Set<TopicPartition> paused = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG, group,
                                ConsumerConfig.CLIENT_ID_CONFIG, group,
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1_000),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                        ProducerSettings.throughput(bootstrap, group + "-producer"),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            producer = p;
            consumer.assign(queues.keySet());
            consumer.seekToBeginning(queues.keySet());
            while (!finished(queues, fetched, end)) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
                    queues.get(tp).addAll(rs);
                    fetched.put(tp, rs.get(rs.size() - 1).offset() + 1);
                }
                for (Part part : parts) part.process(fetched, end);
                for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e : queues.entrySet()) {
                    boolean full = e.getValue().size() > BUFFERED;
                    if (full && paused.add(e.getKey())) consumer.pause(List.of(e.getKey()));
                    else if (!full && paused.remove(e.getKey())) consumer.resume(List.of(e.getKey()));
                }
                if (errors.failed() > 0) errors.throwIfFailed("baseline outcomes");
            }
            p.flush();
        }
        errors.throwIfFailed("baseline outcomes");
    }

    private static boolean finished(
            Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> queues,
            Map<TopicPartition, Long> fetched,
            Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e : queues.entrySet()) {
            if (!e.getValue().isEmpty() || fetched.get(e.getKey()) < end.get(e.getKey())) return false;
        }
        return true;
    }
}
