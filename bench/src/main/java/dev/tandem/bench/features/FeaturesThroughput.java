package dev.tandem.bench.features;

import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.OutputLedger;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * The throughput runs: the real topology (all of it, or its user path), the naive baseline, the raw ring reference and
 * the upper bound, each over the same pre-loaded input until its consumer group has committed all of it (exactly-once).
 */
final class FeaturesThroughput {
    enum Kind {
        REAL("real topology", OutputIdentity.USER_FEATURES),
        USER_PATH("real, user path", OutputIdentity.USER_FEATURES),
        BASELINE("naive baseline", OutputIdentity.USER_FEATURES),
        RAW_RING("raw ring reference", OutputIdentity.EVENT_ID),
        UPPER_BOUND("upper bound", OutputIdentity.EVENT_ID);

        final String label;
        /** What tells its outputs apart: one per input event. */
        final OutputIdentity identity;

        Kind(String label, OutputIdentity identity) {
            this.label = label;
            this.identity = identity;
        }
    }

    /** @param meanOutputBytes mean size of an output record's value */
    record Run(double eventsPerSec, double seconds, long outputs, double meanOutputBytes) {
        /** A figure only (a median of runs). */
        Run(double eventsPerSec) {
            this(eventsPerSec, 0, 0, 0);
        }
    }

    private final FeaturesRunContext ctx;
    private final long events;
    private final boolean uncachedReferences;
    /** The real app's mean user-features size, from its last run: the size of the upper bound's outputs. */
    private int realOutputBytes;

    private FeaturesConfig lastConfig;
    private long lastEventTimeMs = Long.MIN_VALUE;

    /**
     * @param events what {@link #preload} writes, and the user-features records each run must have written
     * @param uncachedReferences the references' stores without the record cache (see {@link #referenceStoreCaching})
     */
    FeaturesThroughput(FeaturesRunContext ctx, long events, boolean uncachedReferences) {
        this.ctx = ctx;
        this.events = events;
        this.uncachedReferences = uncachedReferences;
    }

    /** The real app's mean user-features value size (bytes) in its last run; 0 before one. */
    int realOutputBytes() {
        return realOutputBytes;
    }

    /** {@code events} generated events of {@code nUsers} users into {@code topic}; returns its end offsets. */
    Map<TopicPartition, Long> preload(String topic, int nUsers, long seed) throws Exception {
        return preload(
                topic,
                SyntheticWorld.create(GeneratorConfig.of(nUsers, Math.max(5_000, nUsers * 4), events, seed)),
                null);
    }

    /**
     * The events of {@code world} into {@code topic}, event {@code n}'s user replaced by {@code userOf(n)} when given
     * (the scale bench spreads one world's events over any number of users); returns the topic's end offsets.
     */
    Map<TopicPartition, Long> preload(String topic, SyntheticWorld world, LongFunction<String> userOf)
            throws Exception {
        KafkaEndpoints e = ctx.env.endpoints();
        SendErrors errors = new SendErrors();
        try (TandemAvroSerializer<UserEvent> serializer = AvroSerdes.valueSerializer(e.registryUrl());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        ProducerSettings.throughput(e.bootstrapServers(), "tandem-bench-features-preload"),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            Iterator<GeneratedEvent> it = world.events();
            for (long n = 0; it.hasNext(); n++) {
                UserEvent event = it.next().toUserEvent();
                if (userOf != null) event.setUserId(userOf.apply(n));
                lastEventTimeMs = Math.max(lastEventTimeMs, event.getEventTime().toEpochMilli());
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                event.getUserId().getBytes(StandardCharsets.UTF_8),
                                serializer.serialize(topic, event)),
                        errors);
            }
            producer.flush();
        }
        errors.throwIfFailed("pre-loaded events");
        try (Admin admin = ctx.admin()) {
            return CommittedTopic.endOffsets(admin, ctx.partitions(topic), IsolationLevel.READ_UNCOMMITTED);
        }
    }

    /** The newest event time {@link #preload} wrote. */
    long lastEventTimeMs() {
        return lastEventTimeMs;
    }

    /** The configuration of the last run: its application id, topics and state dir (kept until the context closes). */
    FeaturesConfig lastConfig() {
        return lastConfig;
    }

    /** Something that runs a topology: the real app, or a bare KafkaStreams with the same settings. */
    private interface Running extends AutoCloseable {
        KafkaStreams streams();

        @Override
        void close();
    }

    private Running start(Kind kind, FeaturesConfig config) {
        if (kind == Kind.REAL || kind == Kind.USER_PATH) {
            FeaturesApp app = new FeaturesApp(config).start();
            return new Running() {
                public KafkaStreams streams() {
                    return app.streams();
                }

                public void close() {
                    app.close(Duration.ofSeconds(30), true);
                }
            };
        }
        SequencePolicy p = config.policy();
        Topology topology;
        if (kind == Kind.BASELINE) {
            FeatureSerdes serdes = FeatureSerdes.forRegistry(config.schemaRegistryUrl(), config.registryConfigs());
            long[] windows = p.windows().stream()
                    .mapToLong(SequencePolicy.CounterWindow::windowMs)
                    .toArray();
            topology = NaiveBaselineTopology.build(
                    config.topics().events(),
                    config.topics().userFeatures(),
                    serdes.userEvent(),
                    serdes.userFeatures(),
                    p.maxEvents(),
                    windows,
                    p.topCategories(),
                    referenceStoreCaching(config));
        } else if (kind == Kind.RAW_RING) {
            topology = RawRingReferenceTopology.build(
                    config.topics().events(),
                    config.topics().userFeatures(),
                    p.maxEvents(),
                    referenceStoreCaching(config));
        } else {
            if (realOutputBytes == 0)
                throw new IllegalStateException(
                        "the upper bound needs a run of the real topology first (its output size)");
            topology = UpperBoundTopology.build(
                    config.topics().events(),
                    config.topics().userFeatures(),
                    realOutputBytes,
                    referenceStoreCaching(config));
        }
        Properties props = config.streamsProperties();
        KafkaStreams ks = new KafkaStreams(topology, props);
        ks.start();
        return new Running() {
            public KafkaStreams streams() {
                return ks;
            }

            public void close() {
                ks.close(Duration.ofSeconds(30));
            }
        };
    }

    /**
     * Whether the references' stores (baseline, raw ring, upper bound) have Kafka Streams' record cache: like the real app's
     * {@code user-sequences} ({@code sequence.store.caching}) unless {@code --uncached-references} (the definition
     * before 2026-11-26, where only the real topology had it).
     */
    private boolean referenceStoreCaching(FeaturesConfig config) {
        return !uncachedReferences && config.options().sequenceStoreCaching();
    }

    /**
     * Runs {@code kind} over the pre-loaded input until every source partition of its consumer group (the input
     * and, for the real topology, the repartition topic) has its committed offset at the end: with exactly-once
     * the outputs of those records are committed in the same transactions. The rate counts from the first commit
     * sample at or past 10 % of the input (JIT and start-up excluded) to the end. Then, with the app closed, its output
     * topic is read to the end: one output per event, or the run fails (a duplicate or a missing output).
     */
    Run run(Kind kind, String input, Map<TopicPartition, Long> inputEnd, long commitMs) throws Exception {
        List<String> topics = new ArrayList<>(List.of(input));
        topics.addAll(ctx.env.freshTopicsUnprimed("features-out", "features-items", "features-dlq"));
        String appId = ctx.env.uniqueName("features-" + kind.name().toLowerCase(Locale.ROOT));
        FeaturesConfig config = kind == Kind.USER_PATH
                ? ctx.config(appId, commitMs, topics, Map.of(FeaturesConfig.ITEM_STATS_ENABLED, "false"))
                : ctx.config(appId, commitMs, topics);
        lastConfig = config;
        long total = inputEnd.values().stream().mapToLong(Long::longValue).sum();
        long timeoutNanos = TimeUnit.SECONDS.toNanos(Math.max(180, total / 2_000));
        ThroughputProbe probeFrom = null;
        long started;
        long tFrom = -1;
        long fromCommitted = 0;
        long tEnd;
        try (Admin admin = ctx.admin();
                Running running = start(kind, config)) {
            started = System.nanoTime();
            while (true) {
                KafkaStreams.State s = running.streams().state();
                if (s == KafkaStreams.State.ERROR
                        || s == KafkaStreams.State.NOT_RUNNING
                        || s == KafkaStreams.State.PENDING_ERROR) {
                    throw new IllegalStateException(
                            kind.label + " stopped: Kafka Streams is " + s + " (run with --verbose for its logs)");
                }
                long now = System.nanoTime();
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                long inputCommitted = 0;
                boolean inputDone = true;
                for (Map.Entry<TopicPartition, Long> e : inputEnd.entrySet()) {
                    OffsetAndMetadata o = committed.get(e.getKey());
                    long off = o == null ? 0 : o.offset();
                    inputCommitted += off;
                    if (off < e.getValue()) inputDone = false;
                }
                if (tFrom < 0 && inputCommitted >= total / 10 && inputCommitted < total) {
                    tFrom = now;
                    fromCommitted = inputCommitted;
                    probeFrom = ThroughputProbe.take(appId, running.streams());
                }
                if (inputDone && internalDone(admin, committed, inputEnd.keySet())) {
                    tEnd = now;
                    if (probeFrom != null)
                        ctx.say(
                                "    %s",
                                ThroughputProbe.take(appId, running.streams()).since(probeFrom, total - fromCommitted));
                    break;
                }
                if (now - started > timeoutNanos) {
                    throw new IllegalStateException(kind.label + " did not finish " + total + " events within "
                            + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s (committed " + inputCommitted + ")");
                }
                Thread.sleep(20);
            }
        }
        if (tFrom < 0) { // everything in the first commit(s): a tiny input
            tFrom = started;
            fromCommitted = 0;
        }
        double seconds = (tEnd - tFrom) / 1e9;
        double rate = (total - fromCommitted) / Math.max(seconds, 1e-3);
        // Counted once the app is closed (nothing more can be written), to the topic's end rather than up to the number
        // expected, so a duplicate written after the last expected output is seen too.
        OutputLedger outputs = ctx.readOutputs(topics.get(1), kind.identity);
        ctx.say(
                "%-18s commit %4d ms: %,9.0f events/s (%,d events in %.2f s after the first 10 %%; %.1f s in all incl. start-up), %,d outputs",
                kind.label, commitMs, rate, total - fromCommitted, seconds, (tEnd - started) / 1e9, outputs.records());
        outputs.requireExactly(events, kind.label + " (commit " + commitMs + " ms)", kind.identity.description);
        if (kind == Kind.REAL) realOutputBytes = (int) Math.round(outputs.meanValueBytes());
        return new Run(rate, seconds, outputs.records(), outputs.meanValueBytes());
    }

    /** Every other committed partition of the group (repartition topics) at its end offset. */
    private boolean internalDone(
            Admin admin, Map<TopicPartition, OffsetAndMetadata> committed, Set<TopicPartition> inputs)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> internal = new HashMap<>(committed);
        internal.keySet().removeAll(inputs);
        if (internal.isEmpty()) return true;
        Map<TopicPartition, Long> end =
                CommittedTopic.endOffsets(admin, internal.keySet(), IsolationLevel.READ_COMMITTED);
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : internal.entrySet()) {
            if (e.getValue().offset() < end.get(e.getKey())) return false;
        }
        return true;
    }
}
