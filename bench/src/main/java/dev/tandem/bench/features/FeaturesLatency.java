package dev.tandem.bench.features;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.OpenLoop;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The latency runs (event → user-features at a fixed rate, read_committed, per commit interval) and the API run
 * ({@code GET /v1/users/{id}/features} from a second process), each on the real app with fresh topics.
 */
final class FeaturesLatency {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param senderLagP99Ms how late the sender sent (after its schedule), p99: counted in the latency, but large values mean the machine set the pace */
    record Latency(double p50Ms, double p99Ms, double p999Ms, double maxMs, long count, double senderLagP99Ms) {}

    /** Sends one event; {@code timestampMs} is the record timestamp to give it. */
    interface Send {
        void send(byte[][] keyValue, long timestampMs);
    }

    /**
     * Sends {@code evs} open loop: each when {@code schedule} has it due, stamped with that scheduled time rather than the
     * time it was actually sent, so a sender that stalls makes the events it delays look late (the latency counts from
     * when they should have been sent). Returns the sender's lateness (µs) from item {@code recordFrom} on.
     */
    static Histogram sendPaced(List<byte[][]> evs, OpenLoop schedule, int recordFrom, Send send) {
        Histogram lag = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        for (int i = 0; i < evs.size(); i++) {
            long late = schedule.awaitDue(i);
            if (i >= recordFrom) lag.recordValue(Math.min(late / 1_000, lag.getHighestTrackableValue()));
            send.send(evs.get(i), schedule.dueWallMillis(i));
        }
        return lag;
    }

    record LatencyRun(Latency latency, Map<String, Number> api) {}

    private final FeaturesRunContext ctx;
    private final double rate;
    private final double seconds;
    private final double warmupSeconds;
    private final double apiRate;
    private final double apiSeconds;

    FeaturesLatency(
            FeaturesRunContext ctx,
            double rate,
            double seconds,
            double warmupSeconds,
            double apiRate,
            double apiSeconds) {
        this.ctx = ctx;
        this.rate = rate;
        this.seconds = seconds;
        this.warmupSeconds = warmupSeconds;
        this.apiRate = apiRate;
        this.apiSeconds = apiSeconds;
    }

    /** Serialized events for the latency runs: [key, value] pairs, a new world (fresh ids) of the same shape. */
    List<byte[][]> events(int nUsers, long seed) throws Exception {
        long n = (long) Math.ceil(rate * (seconds + warmupSeconds));
        SyntheticWorld world =
                SyntheticWorld.create(GeneratorConfig.of(nUsers, Math.max(5_000, nUsers * 4), n, seed + 1));
        List<byte[][]> list = new ArrayList<>();
        try (TandemAvroSerializer<UserEvent> serializer =
                AvroSerdes.valueSerializer(ctx.env.endpoints().registryUrl())) {
            Iterator<GeneratedEvent> it = world.events();
            while (it.hasNext()) {
                GeneratedEvent g = it.next();
                list.add(new byte[][] {
                    g.userId().getBytes(StandardCharsets.UTF_8), serializer.serialize("latency", g.toUserEvent())
                });
            }
        }
        return list;
    }

    /**
     * The real app (with its HTTP API) on fresh topics; a paced producer sends {@code rate} events/s, each with its
     * scheduled send time as record timestamp (Streams keeps it on the output); a read_committed consumer of the output
     * records receive time − timestamp. Then, if asked, the API load from a second process. Last, with the app closed,
     * its output is read to the end: one user-features record per event, or the run fails.
     */
    LatencyRun run(List<byte[][]> evs, long commitMs, boolean withApi) throws Exception {
        List<String> topics = ctx.env.freshTopicsUnprimed("latency-in", "latency-out", "latency-items", "latency-dlq");
        FeaturesConfig config = ctx.config(ctx.env.uniqueName("features-latency"), commitMs, topics);
        FeaturesApp app = new FeaturesApp(config).start();
        LatencyRun result;
        try {
            long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!app.isReady()) {
                if (System.nanoTime() > readyBy)
                    throw new IllegalStateException("the features app was not ready within 60 s");
                Thread.sleep(50);
            }
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
            AtomicLong received = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            // the reader gets half a second to be assigned and positioned before the first event is due
            OpenLoop schedule = OpenLoop.startingIn(rate, TimeUnit.MILLISECONDS.toNanos(500), 0);
            int warm = (int) Math.min(evs.size(), Math.round(rate * warmupSeconds));
            long warmupEndMs = schedule.dueWallMillis(warm);
            Thread reader = new Thread(
                    () -> {
                        try (KafkaConsumer<byte[], byte[]> c = ctx.consumer("tandem-bench-latency")) {
                            List<TopicPartition> parts = FeaturesRunContext.partitionsOf(c, topics.get(1));
                            c.assign(parts);
                            c.seekToBeginning(parts);
                            while (!stop.get()) {
                                var records = c.poll(Duration.ofMillis(20));
                                if (records.isEmpty()) continue;
                                Instant now = Instant.now();
                                long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
                                for (ConsumerRecord<byte[], byte[]> r : records) {
                                    if (r.value() == null) continue;
                                    received.incrementAndGet();
                                    if (r.timestamp() >= warmupEndMs) {
                                        h.recordValue(Math.max(
                                                0,
                                                Math.min(
                                                        nowMicros - r.timestamp() * 1000,
                                                        h.getHighestTrackableValue())));
                                    }
                                }
                            }
                        }
                    },
                    "bench-latency-reader");
            reader.start();
            Map<String, Object> pp = new HashMap<>(
                    ProducerSettings.throughput(ctx.env.endpoints().bootstrapServers(), "tandem-bench-latency"));
            pp.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            pp.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
            SendErrors errors = new SendErrors();
            Set<String> userIds = new LinkedHashSet<>();
            Histogram lag;
            long sendEnd;
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                lag = sendPaced(evs, schedule, warm, (kv, timestampMs) -> {
                    producer.send(new ProducerRecord<>(topics.get(0), null, timestampMs, kv[0], kv[1]), errors);
                    if (withApi) userIds.add(new String(kv[0], StandardCharsets.UTF_8));
                });
                sendEnd = System.nanoTime();
                producer.flush();
            }
            errors.throwIfFailed("latency events");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.get() < evs.size() && System.nanoTime() < deadline) Thread.sleep(20);
            stop.set(true);
            reader.join(10_000);
            if (received.get() < evs.size()) {
                throw new IllegalStateException("read " + received.get() + " of " + evs.size()
                        + " user-features records (commit " + commitMs + " ms)");
            }
            double achieved = evs.size() / ((sendEnd - schedule.startNanos()) / 1e9);
            Latency l = new Latency(
                    round2(h.getValueAtPercentile(50) / 1000.0),
                    round2(h.getValueAtPercentile(99) / 1000.0),
                    round2(h.getValueAtPercentile(99.9) / 1000.0),
                    round2(h.getMaxValue() / 1000.0),
                    h.getTotalCount(),
                    round2(lag.getValueAtPercentile(99) / 1000.0));
            ctx.say(
                    "latency   commit %4d ms: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (%,d events recorded, sent at %,.0f/s; sender lag p99 %.1f ms)",
                    commitMs, l.p50Ms, l.p99Ms, l.p999Ms, l.maxMs, l.count, achieved, l.senderLagP99Ms);
            Map<String, Number> api = withApi ? api(app, config, new ArrayList<>(userIds)) : null;
            result = new LatencyRun(l, api);
        } finally {
            app.close(Duration.ofSeconds(30), true);
        }
        // the reader above stopped at the expected count; the check reads to the end, with the app closed
        ctx.readOutputs(topics.get(1), OutputIdentity.USER_FEATURES)
                .requireExactly(
                        evs.size(),
                        "latency run (commit " + commitMs + " ms)",
                        OutputIdentity.USER_FEATURES.description);
        return result;
    }

    /** {@link ApiLoadGenerator} in a child JVM with this JVM's classpath, against the app's API on loopback. */
    private Map<String, Number> api(FeaturesApp app, FeaturesConfig config, List<String> userIds) throws Exception {
        String base = "http://" + config.httpHost() + ":" + app.httpPort();
        Map<String, Number> m = ApiLoadGenerator.runChild(
                        userIds,
                        apiRate,
                        apiSeconds,
                        warmupSeconds,
                        Map.of("api", "http:" + base + "/v1/users/{id}/features"))
                .get("api");
        ctx.say(
                "API       %,d requests of %,d users at %,.0f/s from a second process: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, failed %d",
                m.get("requests").longValue(),
                userIds.size(),
                m.get("achieved_rate").doubleValue(),
                m.get("p50_ms").doubleValue(),
                m.get("p99_ms").doubleValue(),
                m.get("p999_ms").doubleValue(),
                m.get("max_ms").doubleValue(),
                m.get("errors").longValue() + m.get("non_200").longValue());
        return m;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
