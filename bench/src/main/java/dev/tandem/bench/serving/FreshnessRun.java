package dev.tandem.bench.serving;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.CpuUse;
import dev.tandem.bench.OpenLoop;
import dev.tandem.bench.scoring.BenchJob;
import dev.tandem.bench.scoring.PredictionReader;
import dev.tandem.bench.scoring.ScoringBenchJob;
import dev.tandem.bench.scoring.ScoringRuns;
import dev.tandem.bench.scoring.ScoringWorkload;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Request sent → its recommendation readable in Redis, through the whole serving path: requests at a fixed rate (open
 * loop, each latency from its scheduled send time) → the real scoring job (its {@code scoring.delivery}) → the
 * predictions topic → the Redis sink connector in the Connect worker (read_committed) → Redis, where a
 * {@link RedisProbe} reads each user's key as soon as Redis reports it written. Requests go to the users in turn
 * ({@link ScoringWorkload#requestRoundRobin}), so a user's next request comes long after the previous one is readable; a
 * request whose user's key already holds a newer one when read counts as readable then (reported as superseded). Every
 * request sent must become readable, or the run fails.
 */
final class FreshnessRun {
    private static final Duration COMPLETE_TIMEOUT = Duration.ofMinutes(1);

    /**
     * @param senderLagP99Ms how late the sender sent, p99: large values mean the machine set the pace
     * @param sendToScoredP99Ms scheduled send → the job scored it (the job's clock, whole ms)
     * @param scoredToReadableP99Ms scored → read in Redis: Kafka, the sink's consumer, the sink and Redis
     * @param scoredToTopicP99Ms scored → a read_committed consumer of the predictions topic has it (a skimming
     *     reader beside the sink's consumer): the Kafka part of scored → readable
     * @param topicToReadableP99Ms that consumer has it → read in Redis: the sink's consumer, the sink and Redis
     * @param cores cores' worth of CPU used during the measured window, per process and thread group
     */
    record Result(
            double p50Ms,
            double p99Ms,
            double p999Ms,
            double maxMs,
            long measured,
            long superseded,
            double senderLagP99Ms,
            long sendToScoredP50Ms,
            long sendToScoredP99Ms,
            long scoredToReadableP50Ms,
            long scoredToReadableP99Ms,
            long scoredToTopicP50Ms,
            long scoredToTopicP99Ms,
            double topicToReadableP50Ms,
            double topicToReadableP99Ms,
            Map<String, Double> cores,
            BenchJob.CheckpointStats checkpoints,
            double sinkBatchMaxMs) {}

    /** Where the measured window's CPU goes: the scoring job's task threads, the sink's, the clients', the rest. */
    private static final List<CpuUse.Threads> THREADS = List.of(
            CpuUse.Threads.of("flink_tasks", "\\(\\d+/\\d+\\)#\\d+$"),
            CpuUse.Threads.of("connect_sink_tasks", "^task-thread-"),
            CpuUse.Threads.of("kafka_clients", "kafka-producer-network-thread|Source Data Fetcher|kafka-coordinator"),
            CpuUse.Threads.of("lettuce", "^lettuce-"),
            CpuUse.Threads.of("bench_probes", "^tandem-bench-"));

    private static final Map<String, String> PROCESSES = Map.of("broker", "kafka.Kafka", "redis", "redis-server");

    private final double rate;
    private final double warmupSeconds;
    private final double seconds;
    private final int sinkTasks;
    private final Consumer<String> say;

    FreshnessRun(double rate, double warmupSeconds, double seconds, int sinkTasks, Consumer<String> say) {
        this.rate = rate;
        this.warmupSeconds = warmupSeconds;
        this.seconds = seconds;
        this.sinkTasks = sinkTasks;
        this.say = say;
    }

    /** @param tag short name of the run, in topic, key and request id names ({@code alo}, {@code eos}) */
    Result run(
            BenchEnvironment env,
            SinkWorker worker,
            ServingStores stores,
            ScoringWorkload w,
            ScoringRuns.Shared shared,
            ScoringConfig config,
            String tag)
            throws Exception {
        List<String> topics =
                env.freshTopicsUnprimed("serving-" + tag + "-requests", "serving-" + tag + "-predictions");
        String keyPrefix = stores.prefix("fresh-" + tag);
        String connector = env.uniqueName("serving-fresh-" + tag);
        String idPrefix = "f" + tag + "-";
        int warm = (int) Math.round(rate * warmupSeconds);
        int planned = warm + (int) Math.max(1, Math.round(rate * seconds));
        int users = w.users();
        TandemAvroSerializer<ScoringRequest> rs =
                AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        byte[][][] requests = new byte[planned][][];
        for (int n = 0; n < planned; n++) {
            ScoringRequest r = w.requestRoundRobin(idPrefix, n);
            requests[n] = new byte[][] {r.getUserId().getBytes(StandardCharsets.UTF_8), rs.serialize(topics.get(0), r)};
        }
        AtomicLongArray scheduled = new AtomicLongArray(planned);
        AtomicLongArray readable = new AtomicLongArray(planned);
        AtomicLongArray scoredAt = new AtomicLongArray(planned);
        AtomicLongArray inTopic = new AtomicLongArray(planned);
        AtomicLong seen = new AtomicLong();
        AtomicLong superseded = new AtomicLong();
        Map<String, String> sinkConfig = new LinkedHashMap<>(worker.rawValues());
        sinkConfig.put("connector.class", "dev.tandem.connect.redis.RedisSinkConnector");
        sinkConfig.put("tasks.max", Integer.toString(sinkTasks));
        sinkConfig.put("topics", topics.get(1));
        sinkConfig.put("redis.uri", stores.redisUri());
        sinkConfig.put("redis.key.prefix", keyPrefix);
        sinkConfig.put("objective", SinkRuns.OBJECTIVE);
        worker.deploy(connector, sinkConfig, say);
        int sent = 0;
        Histogram lag = new Histogram(3_600_000_000L, 3);
        CpuUse[] window = new CpuUse[2];
        BenchJob.CheckpointStats[] checkpoints = new BenchJob.CheckpointStats[1];
        double[] sinkBatchMaxMs = {Double.NaN};
        try (PredictionReader topicProbe = PredictionReader.skimming(
                        env.endpoints().bootstrapServers(),
                        topics.get(1),
                        env.partitions(),
                        idPrefix,
                        (n, nanos, p) -> {
                            if (n < planned) inTopic.compareAndSet(n, 0, nanos);
                        });
                RedisProbe probe = new RedisProbe(stores.redisUri(), keyPrefix + "rec:", (key, id, scoredMs, nanos) -> {
                    if (!id.startsWith(idPrefix)) return;
                    long n = Long.parseLong(id.substring(idPrefix.length()));
                    if (n >= planned) return;
                    // the key's newest request; earlier ones of the same user not read yet were replaced before they
                    // were
                    for (long m = n; m >= 0; m -= users) {
                        if (!readable.compareAndSet((int) m, 0, nanos)) break;
                        if (m == n) scoredAt.set((int) m, scoredMs);
                        else superseded.incrementAndGet();
                        seen.incrementAndGet();
                    }
                })) {
            try (ScoringBenchJob job = ScoringBenchJob.start(
                    env.endpoints().bootstrapServers(),
                    env.endpoints().registryUrl(),
                    new ScoringBenchJob.Topics(topics.get(0), shared.features(), shared.items(), topics.get(1)),
                    null,
                    config,
                    null,
                    env.uniqueName("serving-" + tag))) {
                if (!job.awaitFeaturesLoaded(Duration.ofMinutes(2)))
                    throw new IllegalStateException("the " + tag + " job did not read the features within 2 min");
                // its checkpoints from here on, as the scoring bench's latency runs (and the bare-Flink reference)
                long loadedAtMs = System.currentTimeMillis();
                Map<String, Object> props = new LinkedHashMap<>(ProducerSettings.throughput(
                        env.endpoints().bootstrapServers(), "tandem-bench-serving-requests"));
                props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
                props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
                SendErrors errors = new SendErrors();
                try (KafkaProducer<byte[], byte[]> p =
                        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                    OpenLoop schedule = OpenLoop.startingIn(rate, 50_000_000L, 0);
                    for (int n = 0; n < planned; n++) {
                        scheduled.set(n, schedule.dueNanos(n));
                        long late = schedule.awaitDue(n);
                        if (n == warm) window[0] = CpuUse.take(THREADS, PROCESSES);
                        if (n >= warm) lag.recordValue(late / 1_000);
                        p.send(new ProducerRecord<>(topics.get(0), requests[n][0], requests[n][1]), errors);
                        sent = n + 1;
                        if ((n & 1023) == 0) failIfDown(job, worker, connector);
                    }
                    window[1] = CpuUse.take(THREADS, PROCESSES);
                    p.flush();
                    errors.throwIfFailed(tag + " requests");
                }
                long deadline = System.nanoTime() + COMPLETE_TIMEOUT.toNanos();
                while (seen.get() < sent) {
                    failIfDown(job, worker, connector);
                    topicProbe.check();
                    if (System.nanoTime() > deadline)
                        throw new IllegalStateException(String.format(
                                Locale.ROOT,
                                "%s run: %,d of %,d requests readable in Redis within %d s of the last one sent",
                                tag,
                                seen.get(),
                                sent,
                                COMPLETE_TIMEOUT.toSeconds()));
                    Thread.sleep(20);
                }
                checkpoints[0] = job.checkpointsSince(loadedAtMs).orElse(null);
                long[] slowest = SinkWorker.slowestBatchMicros(connector);
                say.accept(String.format(
                        Locale.ROOT,
                        "               the sink's slowest batch (decode → Redis acknowledged) %.1f ms of %,d batches",
                        slowest[0] / 1000.0,
                        slowest[1]));
                sinkBatchMaxMs[0] = slowest[0] / 1000.0;
            }
        } finally {
            worker.delete(connector);
            stores.deleteKeys(keyPrefix);
        }
        return result(
                tag,
                config,
                warm,
                sent,
                scheduled,
                readable,
                scoredAt,
                inTopic,
                superseded.get(),
                lag,
                window,
                checkpoints[0],
                sinkBatchMaxMs[0]);
    }

    /**
     * When the slow requests were sent: per second of the measured window, the slowest request's latency, listing the
     * seconds over 100 ms. One block of adjacent seconds is a single stall (a rebalance, a pause); a second every few
     * seconds is something periodic (a checkpoint, a collection).
     */
    private String stalls(int warm, int sent, AtomicLongArray scheduled, AtomicLongArray readable) {
        if (sent <= warm) return "stalls: none measured";
        long start = scheduled.get(warm);
        int seconds = (int) ((scheduled.get(sent - 1) - start) / 1_000_000_000L) + 1;
        long[] worst = new long[seconds];
        for (int n = warm; n < sent; n++) {
            int sec = (int) ((scheduled.get(n) - start) / 1_000_000_000L);
            worst[sec] = Math.max(worst[sec], readable.get(n) - scheduled.get(n));
        }
        StringBuilder b = new StringBuilder();
        int slow = 0;
        for (int sec = 0; sec < seconds; sec++) {
            if (worst[sec] <= 100_000_000L) continue;
            slow++;
            b.append(b.isEmpty() ? "" : ", ")
                    .append(String.format(Locale.ROOT, "+%ds %d ms", sec, worst[sec] / 1_000_000));
        }
        return String.format(
                Locale.ROOT,
                "seconds with a request slower than 100 ms: %d of %d%s",
                slow,
                seconds,
                slow == 0 ? "" : " (" + b + ")");
    }

    private static void failIfDown(ScoringBenchJob job, SinkWorker worker, String connector) {
        job.failure().ifPresent(f -> {
            throw new IllegalStateException(f);
        });
        String f = worker.failure(connector);
        if (f != null) throw new IllegalStateException(f);
    }

    private Result result(
            String tag,
            ScoringConfig config,
            int warm,
            int sent,
            AtomicLongArray scheduled,
            AtomicLongArray readable,
            AtomicLongArray scoredAt,
            AtomicLongArray inTopic,
            long superseded,
            Histogram lag,
            CpuUse[] window,
            BenchJob.CheckpointStats checkpoints,
            double sinkBatchMaxMs) {
        long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        Histogram h = new Histogram(3_600_000_000L, 3);
        Histogram toScored = new Histogram(3_600_000L, 3);
        Histogram toReadable = new Histogram(3_600_000L, 3);
        Histogram toTopic = new Histogram(3_600_000L, 3);
        Histogram topicToReadable = new Histogram(3_600_000_000L, 3);
        for (int n = warm; n < sent; n++) {
            h.recordValue(Math.max(0, (readable.get(n) - scheduled.get(n)) / 1_000));
            long scored = scoredAt.get(n);
            if (scored == 0) continue; // superseded: read through a later request's document
            toScored.recordValue(Math.max(0, scored - Math.floorDiv(scheduled.get(n) + wallOffsetNanos, 1_000_000L)));
            toReadable.recordValue(Math.max(0, Math.floorDiv(readable.get(n) + wallOffsetNanos, 1_000_000L) - scored));
            long topic = inTopic.get(n);
            if (topic == 0) continue; // the topic probe saw it after Redis had it: not yet when the run ended
            toTopic.recordValue(Math.max(0, Math.floorDiv(topic + wallOffsetNanos, 1_000_000L) - scored));
            topicToReadable.recordValue(Math.max(0, (readable.get(n) - topic) / 1_000));
        }
        Result r = new Result(
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0,
                h.getTotalCount(),
                superseded,
                lag.getValueAtPercentile(99) / 1000.0,
                toScored.getValueAtPercentile(50),
                toScored.getValueAtPercentile(99),
                toReadable.getValueAtPercentile(50),
                toReadable.getValueAtPercentile(99),
                toTopic.getValueAtPercentile(50),
                toTopic.getValueAtPercentile(99),
                topicToReadable.getValueAtPercentile(50) / 1000.0,
                topicToReadable.getValueAtPercentile(99) / 1000.0,
                window[0] == null || window[1] == null ? Map.of() : window[1].coresSince(window[0]),
                checkpoints,
                sinkBatchMaxMs);
        say.accept(String.format(
                Locale.ROOT,
                "freshness %-4s p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (%,d requests at %,.0f/s after %.0f s"
                        + " warm-up, %s, checkpoints every %d ms; %,d superseded; sender lag p99 %.1f ms);"
                        + " send → scored p50/p99 %d / %d ms, scored → readable %d / %d ms (scored → in the topic %d / %d"
                        + " ms, in the topic → readable %.1f / %.1f ms); CPU in the window: %s",
                tag + ":",
                r.p50Ms(),
                r.p99Ms(),
                r.p999Ms(),
                r.maxMs(),
                r.measured(),
                rate,
                warmupSeconds,
                config.delivery().key(),
                config.checkpointInterval().toMillis(),
                r.superseded(),
                r.senderLagP99Ms(),
                r.sendToScoredP50Ms(),
                r.sendToScoredP99Ms(),
                r.scoredToReadableP50Ms(),
                r.scoredToReadableP99Ms(),
                r.scoredToTopicP50Ms(),
                r.scoredToTopicP99Ms(),
                r.topicToReadableP50Ms(),
                r.topicToReadableP99Ms(),
                window[0] == null || window[1] == null ? "not measured" : window[1].describeSince(window[0])));
        if (checkpoints != null) say.accept("               " + checkpoints.describe());
        say.accept("               " + stalls(warm, sent, scheduled, readable));
        return r;
    }
}
