package dev.tandem.bench.scoring;

import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.OutputLedger;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.WireFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A {@code read_committed} consumer of one predictions topic, on a thread of its own, as a downstream application
 * sees the job's output: decodes every {@link Prediction}, counts its candidates, tells requests apart by the number
 * in their id (an {@link OutputLedger}: a duplicate or a foreign prediction is noticed, and {@link #readToEnd} reads past
 * the count a run waits for, so a late duplicate is too), and keeps the arrival curve (time of each poll
 * that brought predictions, candidates so far) from which rates are taken.
 */
public final class PredictionReader implements AutoCloseable {
    /** Called on the reader's thread for every prediction, with the request's number, the poll's arrival time and the prediction (null for echoed requests). */
    public interface Arrival {
        void arrived(int requestNumber, long arrivalNanos, Prediction prediction);
    }

    record Point(long nanos, long candidates) {}

    /** What the reader needs of one output record. */
    record Seen(String requestId, int candidates, String version, Prediction prediction) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final java.util.function.Function<byte[], Seen> decoder;
    private final String prefix;
    private final Arrival arrival;
    private final String bootstrap;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final OutputLedger ledger = new OutputLedger();
    private final AtomicLong candidates = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
    private final List<Point> curve = new ArrayList<>();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Where {@link #readToEnd} wants the reader to get to, and whether it has. */
    private volatile Map<TopicPartition, Long> target;

    private volatile boolean atTarget;

    /** With no {@code arrival} (throughput runs), predictions are only skimmed ({@link #skimPrediction}). */
    PredictionReader(
            String bootstrap, String registryUrl, String topic, int partitions, String prefix, Arrival arrival) {
        this(
                bootstrap,
                topic,
                partitions,
                prefix,
                arrival,
                arrival == null ? PredictionReader::skimPrediction : predictions(registryUrl, topic));
    }

    /**
     * A reader that only skims each prediction (request id, candidate count, version: {@link #skimPrediction}) and
     * tells {@code arrival} when each request's arrived (with no prediction): the cheapest witness of when a
     * read_committed consumer can see a prediction, for runs that measure something else on the same cores.
     */
    public static PredictionReader skimming(
            String bootstrap, String topic, int partitions, String prefix, Arrival arrival) {
        return new PredictionReader(bootstrap, topic, partitions, prefix, arrival, PredictionReader::skimPrediction);
    }

    /**
     * A reader of {@link BareFlinkJob}'s output: the requests themselves, echoed (a request counts as its candidates,
     * and {@link Arrival} gets no prediction).
     */
    static PredictionReader echoedRequests(
            String bootstrap, String registryUrl, String topic, int partitions, String prefix, Arrival arrival) {
        TandemAvroDeserializer<ScoringRequest> d = new TandemAvroDeserializer<>(
                ScoringRequest.class, SchemaRegistryClients.forUrl(registryUrl, Map.of()), false);
        return new PredictionReader(bootstrap, topic, partitions, prefix, arrival, bytes -> {
            if (arrival == null) {
                Seen skimmed = skimRequest(bytes);
                if (skimmed != null) return skimmed;
            }
            ScoringRequest r = d.deserialize(topic, bytes);
            return new Seen(r.getRequestId(), r.getCandidates().size(), "echo", null);
        });
    }

    /*
     * Throughput runs read 40 M candidates on the same two cores as the job they measure: a full Avro decode of every
     * record was 15 % of the process's Java samples (JFR), taken from the job. The skims walk the record's structure
     * (Prediction.avsc / ScoringRequest.avsc as the job writes them), keeping only the request id, the candidate count
     * and the model version, and skip the rest without building objects; a record that does not parse still fails the run.
     */

    static Seen skimPrediction(byte[] bytes) {
        try {
            BinaryDecoder d = body(bytes);
            String requestId = d.readString();
            d.skipString(); // user_id
            String version = d.readString() + "/" + d.readString();
            if (d.readIndex() == 1) d.readLong(); // features_as_of
            d.readLong(); // request_time
            for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
                for (long i = 0; i < n; i++) d.skipString();
            }
            int candidates = 0;
            for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
                for (long i = 0; i < n; i++) {
                    d.skipString();
                    for (long k = d.readArrayStart(); k != 0; k = d.arrayNext()) d.skipFixed((int) (4 * k));
                    if (d.readIndex() == 1) d.skipFixed(8); // price
                }
                candidates += (int) n;
            }
            return new Seen(requestId, candidates, version, null);
        } catch (IOException e) {
            throw new IllegalStateException("a prediction that does not parse: " + e, e);
        }
    }

    /** An echoed request, or null when a candidate carries metadata (then it is decoded whole). */
    static Seen skimRequest(byte[] bytes) {
        try {
            BinaryDecoder d = body(bytes);
            String requestId = d.readString();
            d.skipString(); // user_id
            int candidates = 0;
            for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
                for (long i = 0; i < n; i++) {
                    d.skipString();
                    if (d.readIndex() != 0) return null;
                }
                candidates += (int) n;
            }
            return new Seen(requestId, candidates, "echo", null);
        } catch (IOException e) {
            throw new IllegalStateException("an echoed request that does not parse: " + e, e);
        }
    }

    private static BinaryDecoder body(byte[] bytes) {
        if (bytes.length < WireFormat.HEADER_SIZE || bytes[0] != 0)
            throw new IllegalStateException("not in the registry wire format");
        return DecoderFactory.get()
                .binaryDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE, null);
    }

    private static java.util.function.Function<byte[], Seen> predictions(String registryUrl, String topic) {
        TandemAvroDeserializer<Prediction> d = new TandemAvroDeserializer<>(
                Prediction.class, SchemaRegistryClients.forUrl(registryUrl, Map.of()), false);
        return bytes -> {
            Prediction p = d.deserialize(topic, bytes);
            return new Seen(
                    p.getRequestId(), p.getCandidates().size(), p.getModelName() + "/" + p.getModelVersion(), p);
        };
    }

    private PredictionReader(
            String bootstrap,
            String topic,
            int partitions,
            String prefix,
            Arrival arrival,
            java.util.function.Function<byte[], Seen> decoder) {
        this.bootstrap = bootstrap;
        this.decoder = decoder;
        this.prefix = prefix;
        this.arrival = arrival;
        this.consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                        5,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5_000,
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        "tandem-bench-predictions"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        for (int p = 0; p < partitions; p++) this.partitions.add(new TopicPartition(topic, p));
        consumer.assign(this.partitions);
        consumer.seekToBeginning(this.partitions);
        this.thread = new Thread(this::run, "tandem-bench-predictions");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(20));
                if (polled.isEmpty()) {
                    checkTarget();
                    continue;
                }
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    if (r.value() == null || r.value().length == 0) continue; // a fresh topic's priming record
                    Seen p = decoder.apply(r.value());
                    String id = p.requestId();
                    int n;
                    try {
                        n = id.startsWith(prefix) ? Integer.parseInt(id.substring(prefix.length())) : -1;
                    } catch (NumberFormatException e) {
                        n = -1;
                    }
                    if (n < 0) {
                        foreign.incrementAndGet();
                        continue;
                    }
                    if (!ledger.add(prefix, n, r.value().length)) continue; // a duplicate: counted, not scored twice
                    versions.computeIfAbsent(p.version(), v -> new AtomicLong()).incrementAndGet();
                    candidates.addAndGet(p.candidates());
                    if (arrival != null) arrival.arrived(n, now, p.prediction());
                }
                synchronized (curve) {
                    curve.add(new Point(now, candidates.get()));
                }
                checkTarget();
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (Throwable t) {
            error.set(t);
        }
    }

    /** Requests with a prediction. */
    long requests() {
        return ledger.distinct();
    }

    long candidates() {
        return candidates.get();
    }

    long duplicates() {
        return ledger.duplicates();
    }

    long foreign() {
        return foreign.get();
    }

    /** Predictions so far by model {@code name/version}. */
    long count(String nameVersion) {
        AtomicLong n = versions.get(nameVersion);
        return n == null ? 0 : n.get();
    }

    /** Predictions per model {@code name/version} that made them. */
    Map<String, Long> versions() {
        Map<String, Long> out = new java.util.TreeMap<>();
        versions.forEach((v, n) -> out.put(v, n.get()));
        return out;
    }

    /** On the reader's thread: whether the positions reached {@link #target}. */
    private void checkTarget() {
        Map<TopicPartition, Long> t = target;
        if (t == null || atTarget) return;
        for (TopicPartition tp : partitions) if (consumer.position(tp) < t.get(tp)) return;
        atTarget = true;
    }

    /**
     * Reads on to the topic's read_committed end, past any count a run waited for, so a duplicate written after the last
     * expected prediction is counted too: the end is taken once no transaction is open on the topic (at most
     * {@code settle}; after that, the last stable offsets: what a read_committed consumer can see). Returns whether
     * the end was settled.
     */
    boolean readToEnd(Duration settle) throws Exception {
        CommittedTopic.End end;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-bench-predictions-end"))) {
            end = CommittedTopic.settledEnd(admin, partitions, settle);
        }
        target = end.offsets();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!atTarget) {
            check();
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(
                        "predictions reader did not reach the end " + end.offsets() + " within 1 min");
            Thread.sleep(20);
        }
        return end.settled();
    }

    /**
     * Fails unless requests {@code 0 … expected − 1} each have exactly one prediction and no prediction answers another
     * request; call after {@link #readToEnd}.
     */
    void requireExactly(long expected, String what) {
        requireNoForeign(what);
        ledger.requireExactly(expected, what, "request id");
    }

    /** Fails if a request has two predictions, or a prediction answers no request of the run; for a run stopped early. */
    void requireNoDuplicates(String what) {
        requireNoForeign(what);
        if (ledger.duplicates() > 0) ledger.requireExactly(ledger.distinct(), what, "request id");
    }

    private void requireNoForeign(String what) {
        if (foreign.get() > 0)
            throw new IllegalStateException(
                    what + ": " + foreign.get() + " predictions for requests the run never sent");
    }

    /** Throws what stopped the reader, if anything did. */
    public void check() {
        Throwable t = error.get();
        if (t != null) throw new IllegalStateException("predictions reader failed: " + t, t);
    }

    List<Point> curve() {
        synchronized (curve) {
            return List.copyOf(curve);
        }
    }

    /**
     * Candidates per second over the steady part of the arrival curve: from the first arrival at or past
     * {@code fromFraction} of the candidates finally seen to the last arrival. Both ends are commit points (with
     * exactly-once, predictions become visible a checkpoint at a time), so the window holds whole commits. With too
     * few commits for a window, the whole run from {@code startNanos} is used.
     */
    double steadyRate(double fromFraction, long startNanos) {
        List<Point> c = curve();
        if (c.isEmpty()) return 0;
        Point last = c.get(c.size() - 1);
        Point first = null;
        for (Point p : c) {
            if (p.candidates() >= fromFraction * last.candidates()) {
                first = p;
                break;
            }
        }
        if (first == null || last.nanos() - first.nanos() <= 0 || first == last) {
            return last.candidates() / ((last.nanos() - startNanos) / 1e9);
        }
        return (last.candidates() - first.candidates()) / ((last.nanos() - first.nanos()) / 1e9);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
