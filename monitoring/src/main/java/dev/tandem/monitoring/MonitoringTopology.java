package dev.tandem.monitoring;

import static dev.tandem.monitoring.MonitoringNames.CLOCK_STORE;
import static dev.tandem.monitoring.MonitoringNames.DRIFT_BY_MODEL_REPARTITION;
import static dev.tandem.monitoring.MonitoringNames.DRIFT_PARTIALS_STORE;
import static dev.tandem.monitoring.MonitoringNames.DRIFT_PROCESSOR;
import static dev.tandem.monitoring.MonitoringNames.DRIFT_STORE;
import static dev.tandem.monitoring.MonitoringNames.GRADED_BATCHES;
import static dev.tandem.monitoring.MonitoringNames.GRADED_BY_MODEL_REPARTITION;
import static dev.tandem.monitoring.MonitoringNames.INPUT_SOURCE;
import static dev.tandem.monitoring.MonitoringNames.METRICS_PROCESSOR;
import static dev.tandem.monitoring.MonitoringNames.OUTCOME_PROCESSOR;
import static dev.tandem.monitoring.MonitoringNames.OUTCOME_RECORDS;
import static dev.tandem.monitoring.MonitoringNames.PENDING_STORE;
import static dev.tandem.monitoring.MonitoringNames.TALLIES_STORE;
import static dev.tandem.monitoring.MonitoringNames.TIMERS_STORE;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.monitoring.core.DriftCounts;
import dev.tandem.monitoring.core.DriftPartial;
import dev.tandem.monitoring.core.DriftReferences;
import dev.tandem.monitoring.core.GradedBatch;
import dev.tandem.monitoring.core.OutcomeGrader;
import dev.tandem.monitoring.core.StageTally;
import dev.tandem.monitoring.core.UserOutcomes;
import dev.tandem.monitoring.metrics.MonitoringMetrics;
import dev.tandem.monitoring.streams.DrainSignal;
import dev.tandem.monitoring.streams.DriftProcessor;
import dev.tandem.monitoring.streams.MetricsInput;
import dev.tandem.monitoring.streams.MetricsProcessor;
import dev.tandem.monitoring.streams.OutcomeOutput;
import dev.tandem.monitoring.streams.OutcomeProcessor;
import dev.tandem.monitoring.streams.WriteBehindStore;
import dev.tandem.monitoring.streams.WriteBehindStore.Codec;
import dev.tandem.schemas.ModelMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitoring topology, a function of its topics, serdes, rules and drift references:
 * <pre>
 * events (bytes) ──────┬▶ outcome-processor [pending-outcomes, outcome-timers, outcome-clock] ─▶ PredictionOutcome ─┬▶ prediction-outcomes (key user id)
 * predictions (bytes) ─┤     (one task per partition of all, keyed by user)                                        ├▶ repartition by model/version ─┐
 * predictions-shadow ──┘     (when read: the challenger's, graded the same, outcomes flagged shadow)               │                                │
 *                        each Prediction as read, decoded ◀─────────────────────────────────────────────────────────┘                                │
 *                        drift-processor [drift-partials] ─▶ DriftPartial every interval ─▶ repartition by model/version ────────────────────────────┤
 *                                                         metrics-processor [metric-tallies, drift-tallies] ◀─────────────┘ ─▶ ModelMetrics ─▶ model-metrics
 * </pre>
 */
public final class MonitoringTopology {
    private MonitoringTopology() {}

    /**
     * The rules of the topology.
     *
     * @param funnel             the stages and the horizon a prediction is graded within
     * @param grace              how far behind the task's event-time clock an event may arrive and still count: a
     *                           prediction is graded once the clock passes its horizon by this much
     * @param maxPredictionDelay how far behind the clock a prediction may arrive and still be graded (conversions
     *                           are kept this long, at least horizon + grace); older ones are written censored
     * @param maxClockSkew       how far ahead of the wall clock an event time may be (the features app's rule)
     * @param maxIdLength        longest user, item and category id accepted (the features app's rule)
     * @param metricsWindow      length of the tumbling windows of request time the figures are computed over
     * @param metricsRetention   how long windows are kept behind the newest one
     * @param metricsInterval    how often (wall clock) changed figures are published
     * @param punctuateInterval  how often (wall clock) each task looks for a drain request
     * @param storeType          where the stores live: RocksDB (the default), or memory for a throwaway replay,
     *                           which needs no local durability (changelogs still restore them)
     */
    public record Options(
            Funnel funnel,
            Duration grace,
            Duration maxPredictionDelay,
            Duration maxClockSkew,
            int maxIdLength,
            Duration metricsWindow,
            Duration metricsRetention,
            Duration metricsInterval,
            Duration punctuateInterval,
            StoreType storeType) {
        public Options {
            Objects.requireNonNull(storeType, "storeType");
            Objects.requireNonNull(funnel, "funnel");
            for (Duration d : List.of(grace, maxPredictionDelay, maxClockSkew, metricsRetention)) {
                if (d.isNegative()) throw new IllegalArgumentException("durations must not be negative: " + d);
            }
            for (Duration d : List.of(metricsWindow, metricsInterval, punctuateInterval)) {
                if (d.toMillis() < 1) throw new IllegalArgumentException("must be at least 1 ms: " + d);
            }
            if (maxIdLength < 1) throw new IllegalArgumentException("maxIdLength must be at least 1");
        }

        /** Funnel VIEW → CART → PURCHASE within 24 h, grace 10 min, predictions up to 1 h late, 1 h windows kept 7 days. */
        public static Options defaults() {
            return new Options(
                    Funnel.defaults(),
                    Duration.ofMinutes(10),
                    Duration.ofHours(1),
                    Duration.ofMinutes(5),
                    256,
                    Duration.ofHours(1),
                    Duration.ofDays(7),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    StoreType.ROCKSDB);
        }

        public Options withStoreType(StoreType type) {
            return new Options(
                    funnel,
                    grace,
                    maxPredictionDelay,
                    maxClockSkew,
                    maxIdLength,
                    metricsWindow,
                    metricsRetention,
                    metricsInterval,
                    punctuateInterval,
                    type);
        }

        public OutcomeGrader grader() {
            return new OutcomeGrader(funnel, grace, maxPredictionDelay);
        }
    }

    /** Where the state stores live. */
    public enum StoreType {
        ROCKSDB,
        IN_MEMORY;

        KeyValueBytesStoreSupplier supplier(String name) {
            return this == ROCKSDB ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
        }
    }

    /** The topology without drift references: no PSI. */
    public static Topology build(
            MonitoringTopics topics,
            MonitoringSerdes serdes,
            Options options,
            MonitoringMetrics metrics,
            DrainSignal drain) {
        return build(topics, serdes, options, metrics, drain, DriftReferences.NONE);
    }

    /** @param references where a model version's drift reference is found (its model card) */
    public static Topology build(
            MonitoringTopics topics,
            MonitoringSerdes serdes,
            Options options,
            MonitoringMetrics metrics,
            DrainSignal drain,
            DriftReferences references) {
        Objects.requireNonNull(references, "references");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(serdes, "serdes");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(drain, "drain");
        StreamsBuilder b = new StreamsBuilder();
        // Write-behind (see WriteBehindStore): the processors keep values decoded, and each changed one reaches
        // RocksDB and the changelog once per commit, encoded then; exactly-once is unchanged.
        Codec<byte[], byte[]> asIs = Codec.identity();
        Codec<DriftCounts, byte[]> driftCounts = new Codec<>(DriftCounts::encode, DriftCounts::decode);
        b.addStateStore(writeBehind(
                options,
                PENDING_STORE,
                Serdes.String(),
                new Codec<>(UserOutcomes::encode, UserOutcomes::decode),
                OutcomeProcessor.CACHED_USERS));
        // the processor mirrors the timer keys in memory: nothing to keep decoded
        b.addStateStore(writeBehind(options, TIMERS_STORE, Serdes.Bytes(), asIs, 0));
        // written whenever the clock moves (most events): one value per commit reaches the changelog
        b.addStateStore(WriteBehindStore.builder(
                Stores.keyValueStoreBuilder(options.storeType().supplier(CLOCK_STORE), Serdes.String(), Serdes.Long()),
                Codec.<Long>identity(),
                1));
        b.addStateStore(writeBehind(
                options,
                TALLIES_STORE,
                Serdes.String(),
                new Codec<>(StageTally::encode, StageTally::decode),
                MetricsProcessor.CACHED_TALLIES));
        // written on every prediction read, emptied every metrics.interval
        b.addStateStore(writeBehind(options, DRIFT_PARTIALS_STORE, Serdes.String(), driftCounts, 1_000));
        b.addStateStore(writeBehind(options, DRIFT_STORE, Serdes.String(), driftCounts, 1_000));

        EventValidator validator =
                new EventValidator(options.maxIdLength(), options.maxClockSkew().toMillis());
        OutcomeGrader grader = options.grader();
        KStream<byte[], byte[]> input = b.stream(
                topics.inputs(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(INPUT_SOURCE));
        KStream<String, OutcomeOutput> graded = input.process(
                () -> new OutcomeProcessor(
                        grader,
                        topics,
                        serdes.userEvent().deserializer(),
                        serdes.prediction().deserializer(),
                        validator,
                        metrics,
                        drain,
                        options.punctuateInterval()),
                Named.as(OUTCOME_PROCESSOR),
                PENDING_STORE,
                TIMERS_STORE,
                CLOCK_STORE);
        // The processor forwards each kind of output to its own child only (by name), so neither child sees the
        // other's records: no type test and no empty list per outcome. The outcome records go straight to the sink,
        // whose serializer writes only those (no node in between to copy each record on its way).
        graded.to(
                topics.outcomes(),
                Produced.with(Serdes.String(), serdes.outcomeRecords()).withName(OUTCOME_RECORDS));

        // Counted as read, not as graded: drift shows a horizon before the outcomes do. The outcome processor hands
        // each prediction over decoded, so it is decoded once. Sent on every interval,
        // keyed by model version already.
        KStream<String, byte[]> drift = graded.process(
                () -> new DriftProcessor(references, options.metricsWindow(), options.metricsInterval()),
                Named.as(DRIFT_PROCESSOR),
                DRIFT_PARTIALS_STORE);

        // One task holds all of a model version's figures; a prediction's outcomes go there as one small batch (so a
        // tally is written once per prediction, not per candidate), keyed by model version already. Both repartition
        // topics take their partition count from the same input topics, so a version's outcomes and drift counts
        // meet in one task.
        KStream<String, MetricsInput> batches = graded.mapValues(
                        o -> ((OutcomeOutput.Batch) o).batch().encode(), Named.as(GRADED_BATCHES))
                .repartition(Repartitioned.<String, byte[]>as(GRADED_BY_MODEL_REPARTITION)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.ByteArray()))
                .mapValues(bytes -> new MetricsInput.Graded(GradedBatch.decode(bytes)), Named.as("graded-input"));
        KStream<String, MetricsInput> scored = drift.repartition(
                        Repartitioned.<String, byte[]>as(DRIFT_BY_MODEL_REPARTITION)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(Serdes.ByteArray()))
                .mapValues(bytes -> new MetricsInput.Scored(DriftPartial.decode(bytes)), Named.as("scored-input"));
        KStream<String, ModelMetrics> figures = batches.merge(scored, Named.as("metrics-input"))
                .process(
                        () -> new MetricsProcessor(
                                options.metricsWindow(),
                                options.metricsRetention(),
                                options.metricsInterval(),
                                metrics,
                                references),
                        Named.as(METRICS_PROCESSOR),
                        TALLIES_STORE,
                        DRIFT_STORE);
        figures.to(
                topics.metrics(),
                Produced.with(Serdes.String(), serdes.modelMetrics()).withName("model-metrics-sink"));
        return b.build();
    }

    /** The sub-topology the outcome processor runs in: its tasks are the ones a drain waits for. */
    public static int outcomeSubtopology(Topology topology) {
        for (TopologyDescription.Subtopology s : topology.describe().subtopologies()) {
            for (TopologyDescription.Node n : s.nodes()) {
                if (n.name().equals(OUTCOME_PROCESSOR)) return s.id();
            }
        }
        throw new IllegalStateException("no " + OUTCOME_PROCESSOR + " in the topology");
    }

    private static <K, V> StoreBuilder<WriteBehindStore<K, V, byte[]>> writeBehind(
            Options options, String name, Serde<K> keys, Codec<V, byte[]> codec, int cachedValues) {
        return WriteBehindStore.builder(
                Stores.keyValueStoreBuilder(options.storeType().supplier(name), keys, Serdes.ByteArray()),
                codec,
                cachedValues);
    }
}
