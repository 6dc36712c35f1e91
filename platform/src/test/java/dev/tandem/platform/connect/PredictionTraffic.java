package dev.tandem.platform.connect;

import dev.tandem.platform.connect.PredictionLedger.Sent;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Predictions as a scorer writes them to {@code predictions}, in Kafka transactions, with what makes a serving sink's
 * life hard: aborted transactions (whose predictions are dated far in the future, so a sink that read them would keep
 * them for good), users that only ever appear in aborted transactions, out-of-order request times, ties on the request
 * time broken by the request id (in code point order, which UTF-16 order gets wrong for some ids), and duplicates of
 * committed predictions with the same request id and time but a later {@code scored_at}, as an at-least-once scorer
 * re-scoring a request after a failure would write. Every transaction's fate goes to the {@link PredictionLedger}.
 */
final class PredictionTraffic implements AutoCloseable {
    static final List<String> STAGES = List.of("VIEW", "CART", "PURCHASE");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** Aborted predictions are this far ahead of everything committed: newest-wins would keep one forever. */
    private static final Duration ABORTED_AHEAD = Duration.ofDays(30);

    private final String topic;
    private final int partitions;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<Object> serializer;
    private final PredictionLedger ledger;
    private final Random random;
    private final List<String> users;
    private final List<String> ghosts;
    private final Map<String, Prediction> committedById = new HashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile ScheduledExecutorService background;
    private long clock = T0.toEpochMilli();
    private long seq;

    /**
     * @param producerProps a cluster's producer settings; the transactional id and serializers are set here
     * @param serializer the registry's value serializer (the wire format the sink's converter reads)
     */
    PredictionTraffic(
            Properties producerProps,
            String transactionalId,
            Serializer<Object> serializer,
            String topic,
            int partitions,
            int users,
            int ghosts,
            long seed,
            PredictionLedger ledger) {
        Properties p = new Properties();
        p.putAll(producerProps);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.serializer = serializer;
        this.topic = topic;
        this.partitions = partitions;
        this.ledger = ledger;
        this.random = new Random(seed);
        this.users = new ArrayList<>();
        for (int i = 0; i < users; i++) this.users.add(String.format("u-%02d", i));
        this.ghosts = new ArrayList<>();
        for (int i = 0; i < ghosts; i++) this.ghosts.add("ghost-" + i);
        producer.initTransactions();
    }

    List<String> users() {
        return List.copyOf(users);
    }

    /** Users that only ever appear in aborted transactions: a read_committed sink never stores them. */
    List<String> ghosts() {
        return List.copyOf(ghosts);
    }

    /** The users of {@link #finish()}'s last transaction, one per partition. */
    List<String> fences() {
        List<String> f = new ArrayList<>();
        for (int p = 0; p < partitions; p++) f.add("fence-p" + p);
        return f;
    }

    /** Starts writing one random transaction every {@code every} on a thread of its own, until {@link #stop()}. */
    void startInBackground(Duration every) {
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "prediction-traffic");
            t.setDaemon(true);
            return t;
        });
        background.scheduleWithFixedDelay(
                () -> {
                    try {
                        randomTransaction();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        throw e; // ends the schedule: nothing more is sent after a failure
                    }
                },
                0,
                every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Stops the background writer after its current transaction; rethrows what made it fail, if anything. */
    void stop() throws InterruptedException {
        if (background != null) {
            background.shutdown();
            if (!background.awaitTermination(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the prediction writer did not stop");
            }
            background = null;
        }
        checkHealthy();
    }

    /** Fails the test with the background writer's error, if it had one. */
    void checkHealthy() {
        Throwable f = failure.get();
        if (f != null) throw new AssertionError("writing predictions failed", f);
    }

    /** One transaction of 1 to 4 predictions; one in five is aborted. */
    synchronized void randomTransaction() {
        if (random.nextInt(5) == 0) {
            List<Prediction> doomed = new ArrayList<>();
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                String user = random.nextInt(4) == 0 ? pick(ghosts) : pick(users);
                doomed.add(aborted(user));
            }
            abort(doomed);
            return;
        }
        List<Prediction> batch = new ArrayList<>();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            String user = pick(users);
            Sent newest = newestIncluding(user, batch);
            int kind = random.nextInt(100);
            if (newest == null || kind < 55) {
                batch.add(prediction(user, "r-" + nextSeq(), advance()));
            } else if (kind < 70) {
                // a request older than what the user already has: it must never replace it
                long older = newest.requestTime() - 1 - random.nextInt(500);
                batch.add(prediction(user, "r-" + nextSeq(), older));
            } else if (kind < 80) {
                // two requests at the same new time: the id decides, by code point (U+1F600 sorts after U+FF01,
                // though its first UTF-16 unit, 0xD83D, sorts before 0xFF01)
                long t = advance();
                String base = "t-" + nextSeq();
                List<String> ids = new ArrayList<>(List.of(base + "\uFF01", base + "\uD83D\uDE00", base + "z"));
                Collections.shuffle(ids, random);
                for (String id : ids) batch.add(prediction(user, id, t));
            } else if (kind < 85) {
                // the same time as the user's newest, another id: wins or loses by the id alone
                String prefix = random.nextBoolean() ? "a-" : "z-";
                batch.add(prediction(user, prefix + nextSeq(), newest.requestTime()));
            } else {
                List<Sent> earlier = ledger.committedOf(user);
                if (earlier.isEmpty()) {
                    batch.add(prediction(user, "r-" + nextSeq(), advance()));
                } else {
                    batch.add(rescored(committedById.get(pick(earlier).requestId())));
                }
            }
        }
        commit(batch);
    }

    /**
     * The end of the traffic, after {@link #stop()}: every user gets a new newest prediction; an aborted transaction
     * dates one far ahead for every user and ghost; then each newest comes again re-scored (same request, later
     * {@code scored_at}) followed by an older request, so a sink that let an equal or older prediction replace the
     * stored one would be caught on every user; last, one new user per partition, written to that partition
     * explicitly: once the store holds those, the sink has been through everything before them.
     */
    synchronized void finish() {
        List<Prediction> newest = new ArrayList<>();
        for (String u : users) newest.add(prediction(u, "n-" + nextSeq(), advance()));
        commit(newest);

        List<Prediction> doomed = new ArrayList<>();
        for (String u : users) doomed.add(aborted(u));
        for (String g : ghosts) doomed.add(aborted(g));
        abort(doomed);

        List<Prediction> late = new ArrayList<>();
        for (Prediction n : newest) {
            late.add(rescored(n));
            late.add(prediction(
                    n.getUserId(), "o-" + nextSeq(), n.getRequestTime().toEpochMilli() - 1));
        }
        commit(late);

        producer.beginTransaction();
        List<Sent> fenced = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            Prediction f = prediction("fence-p" + p, "f-" + nextSeq(), advance());
            fenced.add(send(f, p));
        }
        producer.commitTransaction();
        ledger.committed(fenced);
    }

    private void commit(List<Prediction> batch) {
        producer.beginTransaction();
        List<Sent> sent = new ArrayList<>();
        for (Prediction p : batch) sent.add(send(p, null));
        producer.commitTransaction();
        for (Prediction p : batch) committedById.putIfAbsent(p.getRequestId(), p);
        ledger.committed(sent);
    }

    private void abort(List<Prediction> batch) {
        producer.beginTransaction();
        List<Sent> sent = new ArrayList<>();
        for (Prediction p : batch) sent.add(send(p, null));
        // flushed first, so the aborted records really are in the log, between committed ones
        producer.flush();
        producer.abortTransaction();
        ledger.aborted(sent);
    }

    private Sent send(Prediction p, Integer partition) {
        byte[] value = serializer.serialize(topic, p);
        producer.send(new ProducerRecord<>(topic, partition, p.getUserId(), value));
        return new Sent(p.getUserId(), p.getRequestId(), p.getRequestTime().toEpochMilli(), value);
    }

    /** The user's newest prediction, counting those of the transaction being built. */
    private Sent newestIncluding(String user, List<Prediction> batch) {
        Sent best = ledger.newest(user);
        for (Prediction p : batch) {
            if (!p.getUserId().equals(user)) continue;
            Sent s = new Sent(user, p.getRequestId(), p.getRequestTime().toEpochMilli(), null);
            if (s.newerThan(best)) best = s;
        }
        return best;
    }

    private Prediction aborted(String user) {
        long t = clock + ABORTED_AHEAD.toMillis() + random.nextInt(1_000);
        return prediction(user, "aborted-" + nextSeq(), t);
    }

    /** The same request scored again: same id, time and scores, a later {@code scored_at}. */
    private Prediction rescored(Prediction original) {
        PredictionTimings t = original.getTimings();
        // field by field: Avro's deep copy (newBuilder(original)) trips over the nullable timestamp
        return Prediction.newBuilder()
                .setRequestId(original.getRequestId())
                .setUserId(original.getUserId())
                .setModelName(original.getModelName())
                .setModelVersion(original.getModelVersion())
                .setFeaturesAsOf(original.getFeaturesAsOf())
                .setRequestTime(original.getRequestTime())
                .setStages(original.getStages())
                .setCandidates(original.getCandidates())
                .setTimings(new PredictionTimings(
                        t.getReceivedAt(),
                        t.getScoredAt().plusMillis(1 + random.nextInt(5_000)),
                        t.getQueueMicros(),
                        t.getModelMicros(),
                        t.getBatchRows()))
                .build();
    }

    private Prediction prediction(String user, String requestId, long requestTime) {
        Instant at = Instant.ofEpochMilli(requestTime);
        List<CandidateScore> candidates = new ArrayList<>();
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 12; i++) items.add(i);
        Collections.shuffle(items, random);
        for (int item : items.subList(0, 5)) {
            float view = 0.2f + 0.8f * random.nextFloat();
            float cart = view * random.nextFloat();
            float purchase = cart * random.nextFloat();
            Double price = random.nextInt(10) < 3 ? null : (1 + random.nextInt(10_000)) / 100.0;
            candidates.add(new CandidateScore("item-" + item, List.of(view, cart, purchase), price));
        }
        return Prediction.newBuilder()
                .setRequestId(requestId)
                .setUserId(user)
                .setModelName("funnel")
                .setModelVersion(random.nextBoolean() ? "v1" : "v2")
                .setFeaturesAsOf(random.nextInt(5) == 0 ? null : at.minusMillis(random.nextInt(60_000)))
                .setRequestTime(at)
                .setStages(STAGES)
                .setCandidates(candidates)
                .setTimings(
                        new PredictionTimings(at.plusMillis(1), at.plusMillis(2 + random.nextInt(50)), 100L, 900L, 5))
                .build();
    }

    private long advance() {
        clock += 1 + random.nextInt(20);
        return clock;
    }

    private String nextSeq() {
        return String.format("%07d", ++seq);
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (background != null) stop();
        } finally {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
