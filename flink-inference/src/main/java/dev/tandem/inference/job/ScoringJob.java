package dev.tandem.inference.job;

import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.ModelCommand;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestDeadline;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserFeatures;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;

/**
 * The scoring job graph, built from its sources and sinks (tests pass bounded sources and
 * collecting sinks; {@code ScoringKafka} makes the Kafka ones):
 * <pre>
 * raw requests ─ RequestRouter ─┬─ side output (not routable: undecodable / invalid, original bytes) ─▶ dead letters
 *                               └─ raw bytes + user id ─┐
 * features ─────────────────────────────────────────map─┴─ union ─ keyBy(user_id) ─┐
 * items ─ broadcast ────────────────────────────────────────────────────────────────┴─ RequestFeatureJoin ─ MicroBatchOperator ─▶ predictions
 *                                                   (decodes each request once; undecodable / invalid ─▶ dead letters)
 * </pre>
 * The batcher dead-letters the requests past {@code scoring.request.deadline} when their batch is due.
 * With {@link Builder#modelControl}, model commands join the broadcast input (decoded by
 * {@link ModelControlDecoder}), the join forwards them to the batcher in stream order, refused ones
 * go to the dead letters and the shadow model's predictions to their own sink.
 * With {@link Builder#rawFeatures}, features and items are raw records too, each decoded by a
 * {@link SourceRecordDecoder} whose side output joins the requests' dead letters. With {@link Builder#catalogReplay},
 * {@code scoring.catalog.state} decides whether the catalog is checkpointed ({@code broadcast}) or read again from the
 * topic on restore ({@code topic}); without one (sources that are not a topic) it is always checkpointed.
 * <pre>{@code
 * ScoringJob.builder(config).requests(rawRequests).rawFeatures(rawFeatures, rawItems)
 *         .predictions(sink).deadLetters(deadLetterSink).modelControl(commands, shadowSink).build().execute(env);
 * }</pre>
 */
public final class ScoringJob {
    public static final String REQUESTS_UID = "scoring-requests-source";
    public static final String FEATURES_UID = "user-features-source";
    public static final String ITEMS_UID = "items-source";
    public static final String JOIN_UID = "request-feature-join";
    public static final String SCORE_UID = "micro-batch-score";
    public static final String SINK_UID = "predictions-sink";
    public static final String DECODE_UID = "decode-requests";
    public static final String DEAD_LETTERS_UID = "dead-letters-sink";
    public static final String CONTROL_UID = "model-control-source";
    public static final String CONTROL_DECODE_UID = "decode-model-control";
    public static final String SHADOW_SINK_UID = "predictions-shadow-sink";
    public static final String DECODE_FEATURES_UID = "decode-user-features";
    public static final String DECODE_ITEMS_UID = "decode-items";

    /**
     * Flink's checkpoint interval while a source reports backlog: here, while the job catches up on the features and
     * the catalog ({@code CatchUpSource}); {@code flink.execution.checkpointing.interval-during-backlog} sets it.
     */
    public static final String BACKLOG_INTERVAL_KEY = "execution.checkpointing.interval-during-backlog";

    /**
     * The checkpoint interval while the job catches up: {@value #BACKLOG_INTERVAL_KEY} if set, else the normal one.
     * Not longer by default: on RocksDB, a 1M-user cold load with 30 s between checkpoints slowed to a crawl in the
     * join's state reads and did not finish in 10 min, against 145 s at 1 s (docs/scaling.md §3).
     */
    public static Duration backlogInterval(ScoringConfig config) {
        String set = config.flinkConfiguration().get(BACKLOG_INTERVAL_KEY);
        return set != null ? TimeUtils.parseDuration(set) : config.checkpointInterval();
    }

    private final Source<RawRecord, ?, ?> requests;
    private final Source<UserFeatures, ?, ?> features;
    private final Source<ItemMetadata, ?, ?> items;
    // set instead of features / items by Builder.rawFeatures: decoded in the job, bad records to dead letters
    private final Source<RawRecord, ?, ?> rawFeatures;
    private final Source<RawRecord, ?, ?> rawItems;
    private final Sink<Prediction> predictions;
    private final Sink<DeadLetter> deadLetters;
    private final Map<String, String> registry;
    private final ScoringConfig config;
    private final BatchScorerFactory scorer;
    private final Source<RawRecord, ?, ?> control;
    private final Sink<Prediction> shadowPredictions;
    private final CatalogReplay catalogReplay;

    private ScoringJob(Builder b) {
        this.config = b.config;
        this.requests = Objects.requireNonNull(b.requests, "requests");
        if ((b.features == null) == (b.rawFeatures == null)) {
            throw new IllegalStateException(
                    "give the features and items either decoded (features) or raw (rawFeatures), once");
        }
        this.features = b.features;
        this.items = b.items;
        this.rawFeatures = b.rawFeatures;
        this.rawItems = b.rawItems;
        this.predictions = Objects.requireNonNull(b.predictions, "predictions");
        this.deadLetters = Objects.requireNonNull(b.deadLetters, "deadLetters");
        this.registry = config.registryClientConfigs();
        this.scorer = b.scorer != null
                ? b.scorer
                : TfBatchScorer.factory(
                        Objects.requireNonNull(config.modelDir(), ScoringConfig.MODEL_DIR),
                        config.stages(),
                        config.gpu());
        this.control = b.control;
        this.shadowPredictions = b.shadowPredictions;
        this.catalogReplay = b.catalogReplay;
    }

    /** A job scoring with {@code config} (batching, parallelism, checkpoints, registry, model): name its sources and sinks. */
    public static Builder builder(ScoringConfig config) {
        return new Builder(config);
    }

    /** The sources and sinks of a {@link ScoringJob}; requests, features and items, predictions and dead letters are required. */
    public static final class Builder {
        private final ScoringConfig config;
        private Source<RawRecord, ?, ?> requests;
        private Source<UserFeatures, ?, ?> features;
        private Source<ItemMetadata, ?, ?> items;
        private Source<RawRecord, ?, ?> rawFeatures;
        private Source<RawRecord, ?, ?> rawItems;
        private Sink<Prediction> predictions;
        private Sink<DeadLetter> deadLetters;
        private BatchScorerFactory scorer;
        private Source<RawRecord, ?, ?> control;
        private Sink<Prediction> shadowPredictions;
        private CatalogReplay catalogReplay;

        private Builder(ScoringConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Raw {@code scoring-requests} records, decoded in the job; undecodable and invalid ones go to the dead letters. */
        public Builder requests(Source<RawRecord, ?, ?> rawRequests) {
            this.requests = rawRequests;
            return this;
        }

        /** {@code user-features} and {@code items} already decoded (undecodable records are only counted by the source). */
        public Builder features(Source<UserFeatures, ?, ?> userFeatures, Source<ItemMetadata, ?, ?> catalog) {
            this.features = Objects.requireNonNull(userFeatures, "features");
            this.items = Objects.requireNonNull(catalog, "items");
            return this;
        }

        /**
         * {@code user-features} and {@code items} as raw records, decoded in the job ({@link SourceRecordDecoder}), so their
         * undecodable or invalid records go to the dead letters with the original bytes, like bad requests.
         */
        public Builder rawFeatures(Source<RawRecord, ?, ?> userFeatures, Source<RawRecord, ?, ?> catalog) {
            this.rawFeatures = Objects.requireNonNull(userFeatures, "features");
            this.rawItems = Objects.requireNonNull(catalog, "items");
            return this;
        }

        public Builder predictions(Sink<Prediction> sink) {
            this.predictions = sink;
            return this;
        }

        /** Where refused records go, original bytes and reason. */
        public Builder deadLetters(Sink<DeadLetter> sink) {
            this.deadLetters = sink;
            return this;
        }

        /** The scorer; by default the SavedModel in {@code config.modelDir()} ({@link TfBatchScorer}). */
        public Builder scorer(BatchScorerFactory factory) {
            this.scorer = factory;
            return this;
        }

        /**
         * Drives the model lifecycle from {@code commands} (raw {@code model-control} records: LOAD, ACTIVATE, ROLLBACK,
         * SHADOW, STOP_SHADOW); the shadow model's predictions go to {@code shadow}. The scorer factory must be able to
         * {@link BatchScorerFactory#create(dev.tandem.inference.core.ModelRef) load by location}.
         */
        public Builder modelControl(Source<RawRecord, ?, ?> commands, Sink<Prediction> shadow) {
            this.control = Objects.requireNonNull(commands, "control");
            this.shadowPredictions = Objects.requireNonNull(shadow, "shadowPredictions");
            return this;
        }

        /** Where a restore can read the items source's whole topic again (see {@link ScoringConfig.CatalogState}). */
        public Builder catalogReplay(CatalogReplay replay) {
            this.catalogReplay = Objects.requireNonNull(replay, "replay");
            return this;
        }

        public ScoringJob build() {
            return new ScoringJob(this);
        }
    }

    /** Adds the job to {@code env}; returns the predictions stream (before the sink). */
    public DataStream<Prediction> build(StreamExecutionEnvironment env) throws Exception {
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        if (!config.checkpointInterval().isZero()) {
            env.enableCheckpointing(config.checkpointInterval().toMillis());
            env.getCheckpointConfig()
                    .setCheckpointIntervalDuringBacklog(backlogInterval(config).toMillis());
        }
        // Safe here: every operator of the job emits a new object per record and never touches it again
        // (decoders, the join, the batcher's Predictions), and the batcher's buffered EncodedRequests are
        // referenced by nothing upstream; saves a deep copy of each record between chained operators.
        env.getConfig().enableObjectReuse();
        // A request must not sit in a half-full network buffer (keyBy) longer than the batcher would hold
        // it: with the 100 ms default, the exchange alone dominated the latency at moderate rates.
        long flushMs = Math.max(1, config.maxWait().toMillis());
        if (env.getBufferTimeout() > flushMs) {
            env.setBufferTimeout(flushMs);
        }
        FeatureSpec spec = scorer.encoderSpec();
        TypeInformation<UserInput> inputType = TypeInformation.of(UserInput.class);
        // given, not extracted: a CatchUpSource (a hybrid source) does not say what it produces
        TypeInformation<RawRecord> raw = TypeInformation.of(RawRecord.class);

        SingleOutputStreamOperator<UserInput> routed = env.fromSource(
                        requests, WatermarkStrategy.noWatermarks(), "scoring-requests")
                .uid(REQUESTS_UID)
                .process(new RequestRouter(registry, config.maxIdLength()), inputType)
                .uid(DECODE_UID)
                .name("route-requests");
        DataStream<DeadLetter> deadLetterStream = routed.getSideOutput(RequestDecoder.DEAD_LETTERS);
        DataStream<UserFeatures> featureStream;
        DataStream<ItemMetadata> itemStream;
        if (rawFeatures != null) {
            SingleOutputStreamOperator<UserFeatures> f = env.fromSource(
                            rawFeatures, WatermarkStrategy.noWatermarks(), "user-features", raw)
                    .uid(FEATURES_UID)
                    .process(
                            SourceRecordDecoder.userFeatures(registry, config.maxIdLength()),
                            TypeInformation.of(UserFeatures.class))
                    .uid(DECODE_FEATURES_UID)
                    .name("decode-user-features");
            SingleOutputStreamOperator<ItemMetadata> i = env.fromSource(
                            rawItems, WatermarkStrategy.noWatermarks(), "items", raw)
                    .uid(ITEMS_UID)
                    .process(
                            SourceRecordDecoder.items(registry, config.maxIdLength()),
                            TypeInformation.of(ItemMetadata.class))
                    .uid(DECODE_ITEMS_UID)
                    .name("decode-items");
            deadLetterStream = deadLetterStream.union(
                    f.getSideOutput(RequestDecoder.DEAD_LETTERS), i.getSideOutput(RequestDecoder.DEAD_LETTERS));
            featureStream = f;
            itemStream = i;
        } else {
            featureStream = env.fromSource(
                            features,
                            WatermarkStrategy.noWatermarks(),
                            "user-features",
                            TypeInformation.of(UserFeatures.class))
                    .uid(FEATURES_UID);
            itemStream = env.fromSource(
                            items, WatermarkStrategy.noWatermarks(), "items", TypeInformation.of(ItemMetadata.class))
                    .uid(ITEMS_UID);
        }
        DataStream<UserInput> featureInputs =
                featureStream.map(UserInput::of, inputType).name("features-as-input");
        TypeInformation<BroadcastInput> broadcastType = TypeInformation.of(BroadcastInput.class);
        DataStream<BroadcastInput> broadcastInputs = itemStream
                .map((ItemMetadata i) -> BroadcastInput.of(i), broadcastType)
                .name("items-as-broadcast");
        if (control != null) {
            // one reader: every subtask must see the commands in one order (the topic has one partition)
            SingleOutputStreamOperator<ModelCommand> commands = env.fromSource(
                            control, WatermarkStrategy.noWatermarks(), "model-control")
                    .uid(CONTROL_UID)
                    .setParallelism(1)
                    .process(new ModelControlDecoder(registry), TypeInformation.of(ModelCommand.class))
                    .uid(CONTROL_DECODE_UID)
                    .name("decode-model-control")
                    .setParallelism(1);
            deadLetterStream = deadLetterStream.union(commands.getSideOutput(RequestDecoder.DEAD_LETTERS));
            broadcastInputs =
                    broadcastInputs.union(commands.map((ModelCommand c) -> BroadcastInput.of(c), broadcastType)
                            .name("control-as-broadcast")
                            .setParallelism(1));
        }
        BroadcastStream<BroadcastInput> catalog = broadcastInputs.broadcast(RequestFeatureJoin.ITEMS);

        SingleOutputStreamOperator<EncodedRequest> joined = routed.union(featureInputs)
                .keyBy(UserInput::getUserId, Types.STRING)
                .connect(catalog)
                .process(
                        new RequestFeatureJoin(
                                spec,
                                new RequestDecoder(registry, config.maxIdLength()),
                                catalogReplay,
                                catalogReplay == null || config.catalogState() == ScoringConfig.CatalogState.BROADCAST),
                        TypeInformation.of(EncodedRequest.class))
                .uid(JOIN_UID)
                .name("join-features");
        deadLetterStream = deadLetterStream.union(joined.getSideOutput(RequestDecoder.DEAD_LETTERS));

        SingleOutputStreamOperator<Prediction> out = joined.transform(
                        "micro-batch-score",
                        TypeInformation.of(Prediction.class),
                        new MicroBatchOperator(
                                scorer,
                                config.maxBatchRows(),
                                config.maxWait(),
                                RequestDeadline.of(config.requestDeadline())))
                .uid(SCORE_UID);
        out.sinkTo(predictions).uid(SINK_UID).name("predictions");
        // requests past their deadline, refused model commands
        deadLetterStream = deadLetterStream.union(out.getSideOutput(MicroBatchOperator.DEAD_LETTERS));
        if (control != null) {
            out.getSideOutput(MicroBatchOperator.SHADOW_PREDICTIONS)
                    .sinkTo(shadowPredictions)
                    .uid(SHADOW_SINK_UID)
                    .name("predictions-shadow");
        }
        deadLetterStream.sinkTo(deadLetters).uid(DEAD_LETTERS_UID).name("dead-letters");
        return out;
    }

    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute(config.jobName());
    }
}
