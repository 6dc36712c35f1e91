package dev.tandem.bench.scoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.OpenLoop;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.kafka.ModelControlClient;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TopicAdmin;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The runs of the scoring bench, each on a job of its own over fresh topics: throughput over the pre-filled requests,
 * and latency at a fixed request rate (with a model swap in the middle, if asked); the scoring job or its bare-Flink
 * reference. A run that loses or duplicates a prediction fails.
 */
public final class ScoringRuns {
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    /** How long a run waits, once every request is answered, for the job's last transaction to commit. */
    static final Duration SETTLE = Duration.ofSeconds(60);

    /** What every model's runs share: the features, catalog and throughput requests, written once. */
    public record Shared(String features, String items, String requests) {}

    private final PrintWriter out;
    private final int candidates;
    private final double rate;
    private final double warmupSeconds;
    private final double latencySeconds;

    public ScoringRuns(PrintWriter out, int candidates, double rate, double warmupSeconds, double latencySeconds) {
        this.out = out;
        this.candidates = candidates;
        this.rate = rate;
        this.warmupSeconds = warmupSeconds;
        this.latencySeconds = latencySeconds;
    }

    /**
     * One job over the pre-filled requests: candidates per second in the steady window (from 30 % of what arrived to the
     * last commit; the start is the JIT's: `jstat -compiler` showed C2 compiling for ~30 s into a job's run, taking a
     * quarter of the machine), after checking that nothing was lost or duplicated. With {@code budget} shorter than the run, the
     * job is stopped once {@code budget} has passed since the first prediction (only duplicates are checked then).
     */
    double throughput(
            BenchEnvironment env,
            Shared shared,
            ScoringConfig config,
            BatchScorerFactory scorer,
            int expected,
            Duration budget,
            String label)
            throws Exception {
        return throughput(env, shared, config, scorer, false, expected, budget, label, null);
    }

    /** What runs once the job has started and before the run's clock starts: e.g. wait for its state, then write the requests. */
    interface BeforeRequests {
        void run(BenchJob job) throws Exception;
    }

    /**
     * @param bare run {@link BareFlinkJob} instead of the scoring job ({@code scorer} unused)
     * @param before when given, the run's clock starts after it (the pre-filled requests may then be written by it)
     */
    double throughput(
            BenchEnvironment env,
            Shared shared,
            ScoringConfig config,
            BatchScorerFactory scorer,
            boolean bare,
            int expected,
            Duration budget,
            String label,
            BeforeRequests before)
            throws Exception {
        String predictions = env.freshTopicsUnprimed("scoring-predictions").get(0);
        String run = env.uniqueName("scoring-" + label.replace(' ', '-'));
        long t0 = System.nanoTime();
        long firstArrival = 0;
        boolean complete;
        boolean settled;
        double rate;
        long stoppedAt;
        try (PredictionReader reader = reader(env, predictions, "t-", null, bare)) {
            try (BenchJob job = startJob(
                    env,
                    new ScoringBenchJob.Topics(shared.requests(), shared.features(), shared.items(), predictions),
                    null,
                    config,
                    scorer,
                    bare,
                    run)) {
                if (before != null) {
                    before.run(job);
                    t0 = System.nanoTime();
                }
                long deadline = t0 + RUN_TIMEOUT.toNanos();
                while (reader.requests() < expected) {
                    reader.check();
                    job.failure().ifPresent(f -> {
                        throw new IllegalStateException(f);
                    });
                    long now = System.nanoTime();
                    if (firstArrival == 0 && reader.requests() > 0) firstArrival = now;
                    if (firstArrival != 0 && now - firstArrival > budget.toNanos()) break;
                    if (now > deadline) {
                        throw new IllegalStateException(label + " run: only " + reader.requests() + " of " + expected
                                + " predictions within " + RUN_TIMEOUT.toMinutes() + " min");
                    }
                    Thread.sleep(20);
                }
                stoppedAt = reader.requests();
                complete = stoppedAt >= expected;
                rate = reader.steadyRate(0.3, t0);
                // Every request answered, the job has nothing left to write: once its last checkpoint commits, no
                // transaction is open and the topic's end is final. Read on to it (past the count waited for), job
                // still up.
                settled = complete && reader.readToEnd(SETTLE);
            }
            if (complete) {
                reader.requireExactly(expected, label + " run");
                if (reader.candidates() != (long) expected * candidates) {
                    throw new IllegalStateException(label + " run: " + reader.candidates()
                            + " candidates scored, expected " + (long) expected * candidates);
                }
            } else {
                // stopped on its budget while still writing: cancelled (open transactions aborted); what a
                // read_committed
                // consumer can see now is read, and only duplicates can be checked
                settled = reader.readToEnd(Duration.ofSeconds(5));
                reader.requireNoDuplicates(label + " run");
            }
            say(
                    "%-13s %,12.0f predictions/s (max batch %d rows, checkpoints every %d ms; %s%,d requests, %,d predictions, first after %.1f s; read to the end%s: %,d requests, each once)",
                    label + ":",
                    rate,
                    config.maxBatchRows(),
                    config.checkpointInterval().toMillis(),
                    complete ? "all " : "stopped after ",
                    stoppedAt,
                    (long) stoppedAt * candidates,
                    firstArrival == 0 ? 0 : (firstArrival - t0) / 1e9,
                    settled ? "" : " (a transaction still open: to its last stable offset)",
                    reader.requests());
        }
        return rate;
    }

    /** @param senderLagP99Ms how late the sender sent (after its schedule), p99: large values mean the machine, not the job, set the pace */
    public record Latency(
            double p50Ms,
            double p99Ms,
            double p999Ms,
            double maxMs,
            long count,
            double senderLagP99Ms,
            Stage toJoin,
            Stage toScored,
            Stage toVisible,
            BenchJob.CheckpointStats checkpoints,
            BenchJob.CheckpointStats jobCheckpoints,
            BenchJob.CheckpointStats loadCheckpoints,
            double featuresLoadSeconds) {}

    /** One leg of the request → prediction path, from the prediction's own timings (whole milliseconds). */
    public record Stage(long p50Ms, long p99Ms) {}

    private static long wallMs(long nanoTime, long wallOffsetNanos) {
        return (nanoTime + wallOffsetNanos) / 1_000_000L;
    }

    /**
     * The job on a fresh, empty request topic, once it has read every user's features; then requests at {@link #rate}/s,
     * open loop (each at its scheduled time), {@link #warmupSeconds} unrecorded, then {@link #latencySeconds} recorded.
     * Latency = arrival of the request's prediction at a read_committed consumer − the request's scheduled send time
     * (so a sender that falls behind counts against the job, not for it).
     */
    Latency latency(BenchEnvironment env, ScoringWorkload w, Shared shared, ScoringConfig config, Swap swap)
            throws Exception {
        return latency(env, w, shared, config, swap, false);
    }

    /** @param bare run {@link BareFlinkJob} instead of the scoring job (no swap then) */
    public Latency latency(
            BenchEnvironment env, ScoringWorkload w, Shared shared, ScoringConfig config, Swap swap, boolean bare)
            throws Exception {
        String label = bare ? "bare-flink-latency" : swap == null ? "latency" : "swap";
        List<String> topics = env.freshTopicsUnprimed(
                "scoring-" + label + "-requests", "scoring-" + label + "-predictions", "scoring-" + label + "-shadow");
        String run = env.uniqueName("scoring-" + label);
        // A control topic of the run's own, one partition like model-control: the command reaches only this job, never
        // a
        // job of an existing cluster (--bootstrap) that reads the shared model-control topic.
        String controlTopic = swap == null ? null : env.uniqueName("scoring-swap-control");
        ScoringBenchJob.Control control = null;
        if (swap != null) {
            TopicAdmin.ensureTopics(
                    env.endpoints().bootstrapServers(), List.of(new TopicSpec(controlTopic, 1, Map.of())));
            control = new ScoringBenchJob.Control(
                    controlTopic, Map.of(new TopicPartition(controlTopic, 0), 0L), topics.get(2));
        }
        int warm = (int) Math.round(rate * warmupSeconds);
        int planned = warm + (int) Math.max(1, Math.round(rate * latencySeconds));
        // The swap is issued a third into the measured window, and the window runs on until a third of its length after
        // the first prediction of the new version (at most a minute more), so it holds the load, warm-up and hand-over.
        int swapAt = warm + (planned - warm) / 3;
        int tail = Math.max(1, (planned - warm) / 3);
        int capacity = swap == null ? planned : planned + (int) Math.round(rate * 60);
        String swapped = swap == null ? null : swap.modelName() + "/" + swap.version();
        Thread[] swapper = new Thread[1];
        AtomicReference<Throwable> swapError = new AtomicReference<>();
        long[] swapTimes = new long[2];
        TandemAvroSerializer<ScoringRequest> rs =
                AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        byte[][][] requestBytes = w.serializedRequests("l-", planned, rs, topics.get(0));
        AtomicLongArray scheduled = new AtomicLongArray(capacity);
        Histogram hist = new Histogram(3_600_000_000L, 3);
        // [0] the checkpoints triggered once the features were loaded (the measured load's), [1] all of the job's,
        // [2] those triggered while it loaded them (a catch-up: at the interval during backlog)
        BenchJob.CheckpointStats[] checkpoints = new BenchJob.CheckpointStats[3];
        double[] loadSeconds = new double[1];
        Histogram lag = new Histogram(3_600_000_000L, 3);
        Histogram toJoin = new Histogram(3_600_000L, 3);
        Histogram toScored = new Histogram(3_600_000L, 3);
        Histogram toVisible = new Histogram(3_600_000L, 3);
        long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        int sent = 0;
        int swapSeenAt = -1;
        try (PredictionReader reader = reader(
                env,
                topics.get(1),
                "l-",
                (n, arrival, prediction) -> {
                    if (n < warm) return;
                    hist.recordValue(Math.max(0, (arrival - scheduled.get(n)) / 1_000));
                    if (prediction == null) return;
                    // the job's timestamps are wall-clock milliseconds: where the time goes, to the millisecond
                    PredictionTimings t = prediction.getTimings();
                    long sentMs = wallMs(scheduled.get(n), wallOffsetNanos);
                    toJoin.recordValue(Math.max(0, t.getReceivedAt().toEpochMilli() - sentMs));
                    toScored.recordValue(Math.max(
                            0,
                            t.getScoredAt().toEpochMilli() - t.getReceivedAt().toEpochMilli()));
                    toVisible.recordValue(Math.max(
                            0,
                            wallMs(arrival, wallOffsetNanos) - t.getScoredAt().toEpochMilli()));
                },
                bare)) {
            long jobStart = System.nanoTime();
            try (BenchJob job = startJob(
                    env,
                    new ScoringBenchJob.Topics(topics.get(0), shared.features(), shared.items(), topics.get(1)),
                    control,
                    config,
                    null,
                    bare,
                    run)) {
                if (!job.awaitFeaturesLoaded(Duration.ofMinutes(10)))
                    throw new IllegalStateException(
                            "the " + label + " run's job did not read the features within 10 min");
                loadSeconds[0] = (System.nanoTime() - jobStart) / 1e9;
                long loadedAtMs = System.currentTimeMillis();
                Map<String, Object> props = new LinkedHashMap<>(ProducerSettings.throughput(
                        env.endpoints().bootstrapServers(), "tandem-bench-scoring-latency"));
                props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
                props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
                SendErrors errors = new SendErrors();
                try (KafkaProducer<byte[], byte[]> p =
                        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                    OpenLoop schedule = OpenLoop.startingIn(rate, 50_000_000L, 0);
                    for (int n = 0; n < capacity; n++) {
                        if (n >= planned && (swap == null || (swapSeenAt >= 0 && n >= swapSeenAt + tail))) break;
                        scheduled.set(n, schedule.dueNanos(n));
                        byte[][] kv = n < planned ? requestBytes[n] : serialized(w.request("l-", n), rs, topics.get(0));
                        long late = schedule.awaitDue(n);
                        if (n >= warm) lag.recordValue(late / 1_000);
                        p.send(new ProducerRecord<>(topics.get(0), kv[0], kv[1]), errors);
                        sent = n + 1;
                        if (swap != null && n == swapAt) {
                            // off the sender's thread: waiting for the command's ack must not pause the requests
                            swapper[0] = new Thread(
                                    () -> {
                                        try {
                                            swapTimes[0] = System.nanoTime();
                                            sendCommand(
                                                    env,
                                                    controlTopic,
                                                    ModelControlClient.activate(
                                                            swap.modelName(), swap.version(), swap.dir()));
                                            swapTimes[1] = System.nanoTime();
                                        } catch (Throwable t) {
                                            swapError.set(t);
                                        }
                                    },
                                    "tandem-bench-swap");
                            swapper[0].start();
                        }
                        if (swap != null && swapSeenAt < 0 && n > swapAt && (n & 63) == 0 && reader.count(swapped) > 0)
                            swapSeenAt = n;
                        if ((n & 1023) == 0) {
                            job.failure().ifPresent(f -> {
                                throw new IllegalStateException(f);
                            });
                            if (swapError.get() != null)
                                throw new IllegalStateException(
                                        "sending the swap command failed: " + swapError.get(), swapError.get());
                        }
                    }
                    p.flush();
                    errors.throwIfFailed(label + " requests");
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (reader.requests() < sent) {
                    reader.check();
                    job.failure().ifPresent(f -> {
                        throw new IllegalStateException(f);
                    });
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(label + " run: only " + reader.requests() + " of " + sent
                                + " predictions within 1 min of the last request");
                    }
                    Thread.sleep(20);
                }
                if (swap != null) {
                    swapper[0].join(60_000);
                    if (swapError.get() != null)
                        throw new IllegalStateException(
                                "sending the swap command failed: " + swapError.get(), swapError.get());
                }
                // every request answered: read on to the settled end (past the count waited for) before the job is
                // cancelled
                if (!reader.readToEnd(SETTLE))
                    say(
                            "%-13s (a transaction still open after %d s: read to its last stable offset)",
                            "", SETTLE.toSeconds());
                checkpoints[0] = job.checkpointsSince(loadedAtMs).orElse(null);
                checkpoints[1] = job.checkpoints().orElse(null);
                checkpoints[2] = job.checkpointsBetween(0, loadedAtMs).orElse(null);
            }
            reader.requireExactly(sent, label + " run");
            if (swap != null) {
                if (reader.count(swapped) == 0) {
                    throw new IllegalStateException("swap run: no prediction by " + swapped
                            + " within a minute of activating it (by version: " + reader.versions() + ")");
                }
                say(
                        "swap:         activate %s sent at request %,d of %,d (acked in %.0f ms); predictions by version %s",
                        swapped, swapAt, sent, (swapTimes[1] - swapTimes[0]) / 1e6, reader.versions());
            }
        }
        Latency l = new Latency(
                hist.getValueAtPercentile(50) / 1000.0,
                hist.getValueAtPercentile(99) / 1000.0,
                hist.getValueAtPercentile(99.9) / 1000.0,
                hist.getMaxValue() / 1000.0,
                hist.getTotalCount(),
                lag.getValueAtPercentile(99) / 1000.0,
                new Stage(toJoin.getValueAtPercentile(50), toJoin.getValueAtPercentile(99)),
                new Stage(toScored.getValueAtPercentile(50), toScored.getValueAtPercentile(99)),
                new Stage(toVisible.getValueAtPercentile(50), toVisible.getValueAtPercentile(99)),
                checkpoints[0],
                checkpoints[1],
                checkpoints[2],
                loadSeconds[0]);
        say(
                "%-13s p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (%,d requests at %,.0f/s after %.0f s warm-up, checkpoints every %d ms; sender lag p99 %.1f ms)",
                label + ":",
                l.p50Ms,
                l.p99Ms,
                l.p999Ms,
                l.maxMs,
                l.count,
                rate,
                warmupSeconds,
                config.checkpointInterval().toMillis(),
                l.senderLagP99Ms);
        if (toJoin.getTotalCount() > 0)
            say(
                    "%-13s where it goes (p50 / p99 ms): send → join %d / %d, join → scored %d / %d, scored → visible to read_committed %d / %d",
                    "",
                    l.toJoin.p50Ms,
                    l.toJoin.p99Ms,
                    l.toScored.p50Ms,
                    l.toScored.p99Ms,
                    l.toVisible.p50Ms,
                    l.toVisible.p99Ms);
        if (l.checkpoints != null) say("%-13s once loaded, %s", "", l.checkpoints.describe());
        if (l.loadCheckpoints != null) say("%-13s while loading, %s", "", l.loadCheckpoints.describe());
        if (l.jobCheckpoints != null) say("%-13s the whole job, %s", "", l.jobCheckpoints.describe());
        return l;
    }

    private static PredictionReader reader(
            BenchEnvironment env, String topic, String prefix, PredictionReader.Arrival arrival, boolean bare) {
        return bare
                ? PredictionReader.echoedRequests(
                        env.endpoints().bootstrapServers(),
                        env.endpoints().registryUrl(),
                        topic,
                        env.partitions(),
                        prefix,
                        arrival)
                : new PredictionReader(
                        env.endpoints().bootstrapServers(),
                        env.endpoints().registryUrl(),
                        topic,
                        env.partitions(),
                        prefix,
                        arrival);
    }

    private static BenchJob startJob(
            BenchEnvironment env,
            ScoringBenchJob.Topics topics,
            ScoringBenchJob.Control control,
            ScoringConfig config,
            BatchScorerFactory scorer,
            boolean bare,
            String run)
            throws Exception {
        return bare
                ? BareFlinkJob.start(env.endpoints().bootstrapServers(), topics, config, run)
                : ScoringBenchJob.start(
                        env.endpoints().bootstrapServers(),
                        env.endpoints().registryUrl(),
                        topics,
                        control,
                        config,
                        scorer,
                        run);
    }

    public record Swap(String modelName, String version, Path dir) {}

    /** One model command onto {@code topic}, as {@code ModelControlClient} writes them (key model name, registry Avro, acks=all); waits for the ack. */
    private static void sendCommand(BenchEnvironment env, String topic, ModelControl command) throws Exception {
        TandemAvroSerializer<ModelControl> serializer =
                AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                env.endpoints().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.CLIENT_ID_CONFIG,
                "tandem-bench-model-control");
        try (KafkaProducer<byte[], byte[]> p =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(
                            topic, utf8(command.getModelName().toString()), serializer.serialize(topic, command)))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static byte[][] serialized(
            ScoringRequest r, TandemAvroSerializer<ScoringRequest> serializer, String topic) {
        return new byte[][] {utf8(r.getUserId()), serializer.serialize(topic, r)};
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
