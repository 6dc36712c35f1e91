package dev.tandem.bench.scoring;

import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.RawRecordDeserializer;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The real {@link ScoringJob} in a local MiniCluster (restart strategy none), reading the bench's own fresh topics
 * instead of the platform's fixed ones: the sources are configured as {@code ScoringKafka}'s (read_committed, from
 * the earliest offset, offsets committed to a group on each checkpoint), the predictions sink IS {@code ScoringKafka}'s
 * ({@code EXACTLY_ONCE}, a transactional id prefix of its own per run).
 */
public final class ScoringBenchJob implements BenchJob {
    public record Topics(String requests, String features, String items, String predictions) {}

    /** The model lifecycle input ({@code ScoringJob.Builder.modelControl}): {@code topic} read from {@code startOffsets}, shadow predictions to {@code shadowTopic}. */
    public record Control(String topic, Map<TopicPartition, Long> startOffsets, String shadowTopic) {}

    private final JobClient client;
    private final String bootstrap;
    private final String group;
    private final Topics topics;

    private ScoringBenchJob(JobClient client, String bootstrap, String group, Topics topics) {
        this.client = client;
        this.bootstrap = bootstrap;
        this.group = group;
        this.topics = topics;
    }

    public static ScoringBenchJob start(
            String bootstrap, String registryUrl, Topics topics, ScoringConfig config, String runName)
            throws Exception {
        return start(bootstrap, registryUrl, topics, null, config, null, runName);
    }

    /**
     * @param scorer null: the job's own scorer of {@code config.modelDir()} (TensorFlow)
     * @param config its {@code delivery} is how the predictions are written (exactly once unless set)
     */
    public static ScoringBenchJob start(
            String bootstrap,
            String registryUrl,
            Topics topics,
            Control control,
            ScoringConfig config,
            BatchScorerFactory scorer,
            String runName)
            throws Exception {
        Configuration conf = new Configuration();
        conf.setString("restart-strategy.type", "none");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(Math.max(1, config.parallelism()), conf);
        ScoringConfig jobConfig =
                config.toBuilder().kafka(bootstrap, registryUrl).build();
        // the sinks as the app builds them, with the config's delivery; the sources are the bench's own (below)
        ScoringKafka kafka = ScoringKafka.of(jobConfig);
        ScoringJob.Builder job = ScoringJob.builder(jobConfig)
                .requests(source(
                        bootstrap,
                        runName,
                        topics.requests(),
                        new RawRecordDeserializer(),
                        OffsetsInitializer.earliest()))
                .features(
                        source(
                                bootstrap,
                                runName,
                                topics.features(),
                                new AvroDeserializer<>(UserFeatures.class, registryUrl, true),
                                OffsetsInitializer.earliest()),
                        source(
                                bootstrap,
                                runName,
                                topics.items(),
                                new AvroDeserializer<>(ItemMetadata.class, registryUrl, false),
                                OffsetsInitializer.earliest()))
                .predictions(kafka.predictions(topics.predictions(), runName))
                .deadLetters(kafka.deadLetters(runName + "-dlq"))
                .scorer(scorer != null ? scorer : TfBatchScorer.factory(config.modelDir(), config.stages()));
        if (control != null) {
            job.modelControl(
                    source(
                            bootstrap,
                            runName,
                            control.topic(),
                            new RawRecordDeserializer(),
                            OffsetsInitializer.offsets(control.startOffsets())),
                    kafka.predictions(control.shadowTopic(), runName + "-shadow"));
        }
        job.build().build(env);
        return new ScoringBenchJob(env.executeAsync(config.jobName()), bootstrap, runName, topics);
    }

    static <T> KafkaSource<T> source(
            String bootstrap,
            String group,
            String topic,
            KafkaRecordDeserializationSchema<T> de,
            OffsetsInitializer from) {
        return KafkaSource.<T>builder()
                .setDeserializer(de)
                .setBootstrapServers(bootstrap)
                .setTopics(topic)
                .setGroupId(group + "." + topic)
                .setStartingOffsets(from)
                .setProperty("isolation.level", "read_committed")
                .build();
    }

    /**
     * Waits until the job has read every record of the features and items topics (their end offsets now, as the
     * sources' committed offsets show on a checkpoint): requests sent after that meet every user's features.
     */
    @Override
    public boolean awaitFeaturesLoaded(Duration timeout) throws Exception {
        return awaitCommitted(client, bootstrap, group, List.of(topics.features(), topics.items()), timeout);
    }

    /** Until {@code group}'s committed offsets of {@code topicsRead} reach their end offsets as they are now (the sources commit on checkpoints). */
    static boolean awaitCommitted(
            JobClient client, String bootstrap, String group, List<String> topicsRead, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-bench-scoring-progress"))) {
            Map<String, Map<TopicPartition, Long>> ends = new HashMap<>();
            for (String topic : topicsRead) {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get()
                        .get(topic)
                        .partitions()
                        .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                Map<TopicPartition, Long> end = new HashMap<>();
                admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
                ends.put(topic, end);
            }
            while (System.nanoTime() < deadline) {
                failure(client).ifPresent(f -> {
                    throw new IllegalStateException(f);
                });
                boolean all = true;
                for (Map.Entry<String, Map<TopicPartition, Long>> e : ends.entrySet()) {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                    group + "." + e.getKey())
                            .partitionsToOffsetAndMetadata()
                            .get();
                    for (Map.Entry<TopicPartition, Long> pe : e.getValue().entrySet()) {
                        OffsetAndMetadata c = committed.get(pe.getKey());
                        if ((c == null ? 0 : c.offset()) < pe.getValue()) all = false;
                    }
                }
                if (all) return true;
                Thread.sleep(50);
            }
            return false;
        }
    }

    @Override
    public Optional<String> failure() {
        return failure(client);
    }

    static Optional<String> failure(JobClient client) {
        JobStatus s;
        try {
            s = client.getJobStatus().get();
        } catch (Exception e) {
            return Optional.empty();
        }
        if (!s.isGloballyTerminalState()) return Optional.empty();
        try {
            client.getJobExecutionResult().get();
            return Optional.of("the scoring job ended (" + s + ")");
        } catch (Exception e) {
            Throwable t = e;
            while (t.getCause() != null) t = t.getCause();
            return Optional.of("the scoring job " + s + ": " + t);
        }
    }

    @Override
    public void close() throws Exception {
        close(client);
    }

    /** Cancels the job (open transactions are aborted) and waits for it and its MiniCluster to end. */
    static void close(JobClient client) throws Exception {
        try {
            if (!client.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                client.cancel().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // already gone
        }
        try {
            client.getJobExecutionResult().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // cancelled or failed: ended either way
        }
    }

    /** Registry Avro values; the bench writes no bad ones, so a record that does not decode fails the job loudly. */
    private static final class AvroDeserializer<T extends SpecificRecord>
            implements KafkaRecordDeserializationSchema<T> {
        private final Class<T> type;
        private final String registryUrl;
        private final boolean features;
        private transient TandemAvroDeserializer<T> deserializer;

        AvroDeserializer(Class<T> type, String registryUrl, boolean features) {
            this.type = type;
            this.registryUrl = registryUrl;
            this.features = features;
        }

        @Override
        public void open(
                org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext context) {
            deserializer = new TandemAvroDeserializer<>(
                    type, SchemaRegistryClients.fromConfigs(Map.of(RegistryClientConfig.URL, registryUrl)), false);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<T> out) {
            if (r.value() == null) {
                if (features && r.key() != null)
                    out.collect((T) FeatureUpdates.tombstone(new String(r.key(), StandardCharsets.UTF_8)));
                return;
            }
            out.collect(deserializer.deserialize(r.topic(), r.value()));
        }

        @Override
        public TypeInformation<T> getProducedType() {
            return TypeInformation.of(type);
        }
    }
}
