package dev.tandem.platform.scoring;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.ProbeRequests;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How {@link LocalScoring#awaitUserFeaturesRead} asks a running scoring job whether it has read {@code user-features}
 * up to now: a probe request per partition for the user of that partition's last record, answered once the job's
 * prediction carries features as new as that record.
 */
final class FeaturesProbe {
    /** How often probes of partitions not caught up yet are sent again. */
    static final Duration PROBE_EVERY = Duration.ofMillis(250);

    private final ScoringConfig.Topics topics;
    private final Supplier<Optional<String>> failure;
    private final Map<String, String> clientProperties;

    /**
     * @param failure why the job ended, empty while it runs: the wait gives up when it is not
     * @param clientProperties the probes' Kafka client security settings; empty on a plaintext cluster
     */
    FeaturesProbe(
            ScoringConfig.Topics topics, Supplier<Optional<String>> failure, Map<String, String> clientProperties) {
        this.topics = topics;
        this.failure = failure;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    private Map<String, Object> secured(Map<String, Object> props) {
        Map<String, Object> all = new HashMap<>(props);
        all.putAll(KafkaEndpoints.securitySettings(clientProperties));
        return all;
    }

    private Optional<String> failure() {
        return failure.get();
    }

    /**
     * Waits until the job has read every committed record {@code user-features} has now, so requests sent
     * after it are scored with their users' features. True when caught up within {@code timeout}; false on
     * timeout or when the job has ended (the job's failure).
     *
     * <p>It asks the job itself: for each partition of {@code user-features} it finds the last committed
     * record (its user and that record's {@code as_of}), sends that user a probe request (id
     * {@code tandem-probe-<partition>-<attempt>-<nonce>}, one candidate) to {@code scoring-requests}, and reads
     * {@code predictions} (read_committed). The job keeps each user's newest features, so a probe's
     * {@code features_as_of >= as_of} shows that partition was read up to its last record. Probes of
     * partitions not caught up are sent again every {@link #PROBE_EVERY}; empty partitions are caught up
     * from the start. Probe predictions stay on {@code predictions}: readers skip ids they did not send.
     *
     * <p>Why not the source's committed offsets: flink-connector-kafka 5.0's {@code KafkaPartitionSplitReader}
     * polls with a fixed 10 s timeout and runs the offset commit queued on its split fetcher only after that
     * poll returns, so on an idle topic the commits lag the job's state by up to 10 s (the demo waited
     * ~13 s for state that was complete ~1.6 s after RUNNING).
     *
     * <p>A partition's probe is its last record that decodes as {@code UserFeatures}: tombstones or
     * undecodable records after it (rare on this topic) are not waited for.
     */
    boolean awaitUserFeaturesRead(String bootstrap, String registryUrl, Duration timeout) throws Exception {
        return awaitRead(bootstrap, registryUrl, topics.userFeatures(), timeout);
    }

    /**
     * {@link #awaitUserFeaturesRead} with the probe users taken from {@code featuresTopic}. The job only
     * joins with {@code user-features}, so any other topic never counts as read (tests use this).
     */
    boolean awaitRead(String bootstrap, String registryUrl, String featuresTopic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SchemaRegistryClient registry =
                SchemaRegistryClients.forUrl(registryUrl, KafkaEndpoints.registrySettings(clientProperties))) {
            return awaitRead(bootstrap, registryUrl, registry, featuresTopic, deadline);
        }
    }

    private boolean awaitRead(
            String bootstrap, String registryUrl, SchemaRegistryClient registry, String featuresTopic, long deadline) {
        Map<Integer, UserFeatures> targets = lastFeatures(bootstrap, registry, featuresTopic, deadline);
        if (targets == null) {
            return false;
        }
        Map<String, Object> consumerProps = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "tandem-scoring-probe");
        Map<String, Object> producerProps = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG,
                "tandem-scoring-probe",
                ProducerConfig.LINGER_MS_CONFIG,
                0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                10_000);
        String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        Set<Integer> pending = new TreeSet<>(targets.keySet());
        Map<String, Integer> probes = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> predictions = new KafkaConsumer<>(
                        secured(consumerProps), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, ScoringRequest> producer = new KafkaProducer<>(
                        secured(producerProps),
                        new StringSerializer(),
                        new TandemAvroSerializer<>(
                                registry,
                                false,
                                AvroSerdes.config(registryUrl, KafkaEndpoints.registrySettings(clientProperties))))) {
            List<TopicPartition> out = predictions.partitionsFor(topics.predictions()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            predictions.assign(out);
            // only predictions of this call's probes count; position() pins "now" before the first probe goes out
            predictions.seekToEnd(out);
            out.forEach(predictions::position);
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
            long nextSend = System.nanoTime();
            for (int attempt = 0; !pending.isEmpty(); ) {
                if (failure().isPresent() || System.nanoTime() >= deadline) {
                    return false;
                }
                if (System.nanoTime() >= nextSend) {
                    for (int p : pending) {
                        UserFeatures f = targets.get(p);
                        String id = ProbeRequests.PREFIX + p + "-" + attempt + "-" + nonce;
                        probes.put(id, p);
                        producer.send(new ProducerRecord<>(topics.scoringRequests(), f.getUserId(), probe(id, f)));
                    }
                    producer.flush();
                    attempt++;
                    nextSend = System.nanoTime() + PROBE_EVERY.toNanos();
                }
                for (ConsumerRecord<byte[], byte[]> rec : predictions.poll(Duration.ofMillis(50))) {
                    Prediction pr;
                    try {
                        pr = de.deserialize(rec.topic(), rec.value());
                    } catch (RuntimeException e) {
                        continue; // not ours to judge: whoever reads predictions reports it
                    }
                    Integer p = pr == null ? null : probes.get(pr.getRequestId());
                    if (p != null
                            && pr.getFeaturesAsOf() != null
                            && !pr.getFeaturesAsOf().isBefore(targets.get(p).getAsOf())) {
                        pending.remove(p);
                    }
                }
            }
            return true;
        }
    }

    /** A probe for {@code f}'s user: one candidate, the item of their last event (any id would do). */
    private static ScoringRequest probe(String id, UserFeatures f) {
        String item = f.getEvents().isEmpty()
                ? ProbeRequests.PREFIX + "item"
                : f.getEvents().get(f.getEvents().size() - 1).getItemId();
        return ScoringRequest.newBuilder()
                .setRequestId(id)
                .setUserId(f.getUserId())
                // as of the user's own features, never "now": a serving sink keeps each user's newest request
                // (by request_time), and a probe must not shadow the user's real recommendations there
                .setRequestTime(f.getAsOf())
                .setCandidates(List.of(Candidate.newBuilder().setItemId(item).build()))
                .build();
    }

    /**
     * Per non-empty partition of {@code topic}, its last committed record that decodes as {@code UserFeatures}
     * (read_committed, up to the last stable offset now); null when {@code deadline} passes first. The tail
     * is read first, the whole partition only when the tail holds none (a transactionally written topic
     * has commit markers between records).
     */
    private Map<Integer, UserFeatures> lastFeatures(
            String bootstrap, SchemaRegistryClient registry, String topic, long deadline) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG,
                "tandem-scoring-progress");
        TandemAvroDeserializer<UserFeatures> de = new TandemAvroDeserializer<>(UserFeatures.class, registry, false);
        Map<Integer, UserFeatures> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(secured(props), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            // read_committed: the last stable offset, so no read below waits on an open transaction
            Map<TopicPartition, Long> ends = c.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                long endOffset = ends.get(tp);
                UserFeatures last = null;
                long lastOffset = -1;
                for (long from : new long[] {Math.max(0, endOffset - 64), 0}) {
                    c.assign(List.of(tp));
                    c.seek(tp, from);
                    while (c.position(tp) < endOffset) {
                        if (System.nanoTime() >= deadline) return null;
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                            if (r.offset() >= endOffset || r.offset() < lastOffset || r.value() == null) continue;
                            try {
                                UserFeatures f = de.deserialize(topic, r.value());
                                if (f != null) {
                                    last = f;
                                    lastOffset = r.offset();
                                }
                            } catch (RuntimeException e) {
                                // a bad record: the job sends it to dead-letters, it changes no user's state
                            }
                        }
                    }
                    if (last != null || from == 0) break;
                }
                if (last != null) out.put(tp.partition(), last);
            }
        }
        return out;
    }
}
