package dev.tandem.bench.serving;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.OpenLoop;
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
            long scoredToReadableP99Ms) {}

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
        try (RedisProbe probe = new RedisProbe(stores.redisUri(), keyPrefix + "rec:", (key, id, scoredMs, nanos) -> {
            if (!id.startsWith(idPrefix)) return;
            long n = Long.parseLong(id.substring(idPrefix.length()));
            if (n >= planned) return;
            // the key's newest request; earlier ones of the same user not read yet were replaced before they were
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
                        if (n >= warm) lag.recordValue(late / 1_000);
                        p.send(new ProducerRecord<>(topics.get(0), requests[n][0], requests[n][1]), errors);
                        sent = n + 1;
                        if ((n & 1023) == 0) failIfDown(job, worker, connector);
                    }
                    p.flush();
                    errors.throwIfFailed(tag + " requests");
                }
                long deadline = System.nanoTime() + COMPLETE_TIMEOUT.toNanos();
                while (seen.get() < sent) {
                    failIfDown(job, worker, connector);
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
            }
        } finally {
            worker.delete(connector);
            stores.deleteKeys(keyPrefix);
        }
        return result(tag, config, warm, sent, scheduled, readable, scoredAt, superseded.get(), lag);
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
            long superseded,
            Histogram lag) {
        long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        Histogram h = new Histogram(3_600_000_000L, 3);
        Histogram toScored = new Histogram(3_600_000L, 3);
        Histogram toReadable = new Histogram(3_600_000L, 3);
        for (int n = warm; n < sent; n++) {
            h.recordValue(Math.max(0, (readable.get(n) - scheduled.get(n)) / 1_000));
            long scored = scoredAt.get(n);
            if (scored == 0) continue; // superseded: read through a later request's document
            toScored.recordValue(Math.max(0, scored - Math.floorDiv(scheduled.get(n) + wallOffsetNanos, 1_000_000L)));
            toReadable.recordValue(Math.max(0, Math.floorDiv(readable.get(n) + wallOffsetNanos, 1_000_000L) - scored));
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
                toReadable.getValueAtPercentile(99));
        say.accept(String.format(
                Locale.ROOT,
                "freshness %-4s p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (%,d requests at %,.0f/s after %.0f s"
                        + " warm-up, %s, checkpoints every %d ms; %,d superseded; sender lag p99 %.1f ms);"
                        + " send → scored p50/p99 %d / %d ms, scored → readable %d / %d ms",
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
                r.scoredToReadableP99Ms()));
        return r;
    }
}
