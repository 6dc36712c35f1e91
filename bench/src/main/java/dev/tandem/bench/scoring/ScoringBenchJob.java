package dev.tandem.bench.scoring;

import dev.tandem.inference.ScoringRunner;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.KafkaCatalogReplay;
import dev.tandem.inference.kafka.RawRecordDeserializer;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The real {@link ScoringJob} in a local MiniCluster (restart strategy none), reading the bench's own fresh topics
 * instead of the platform's fixed ones: the sources are configured as {@code ScoringKafka}'s (read_committed, from
 * the earliest offset, offsets committed to a group on each checkpoint), the predictions sink IS {@code ScoringKafka}'s
 * ({@code EXACTLY_ONCE}, a transactional id prefix of its own per run).
 */
public final class ScoringBenchJob extends BenchJob {
    public record Topics(String requests, String features, String items, String predictions) {}

    /** The model lifecycle input ({@code ScoringJob.Builder.modelControl}): {@code topic} read from {@code startOffsets}, shadow predictions to {@code shadowTopic}. */
    public record Control(String topic, Map<TopicPartition, Long> startOffsets, String shadowTopic) {}

    private ScoringBenchJob(JobClient client, int restPort, String bootstrap, String group, Topics topics) {
        super(client, restPort, bootstrap, group, List.of(topics.features(), topics.items()));
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
        return start(bootstrap, registryUrl, topics, control, config, scorer, runName, ScoringRunner.Restore.fresh(""));
    }

    /** @param restore the checkpoint or savepoint the job starts from (its sources resume at their offsets there) */
    public static ScoringBenchJob start(
            String bootstrap,
            String registryUrl,
            Topics topics,
            Control control,
            ScoringConfig config,
            BatchScorerFactory scorer,
            String runName,
            ScoringRunner.Restore restore)
            throws Exception {
        LocalEnvironment local = localEnvironment(config, restore);
        StreamExecutionEnvironment env = local.env();
        ScoringConfig jobConfig =
                config.toBuilder().kafka(bootstrap, registryUrl).build();
        // the sinks as the app builds them, with the config's delivery; the sources are the bench's own (below)
        ScoringKafka kafka = ScoringKafka.of(jobConfig);
        ScoringJob.Builder job = ScoringJob.builder(jobConfig)
                .requests(source(bootstrap, runName, topics.requests(), new RawRecordDeserializer()))
                .features(
                        catchUp(
                                bootstrap,
                                runName,
                                topics.features(),
                                new AvroDeserializer<>(UserFeatures.class, registryUrl, true)),
                        catchUp(
                                bootstrap,
                                runName,
                                topics.items(),
                                new AvroDeserializer<>(ItemMetadata.class, registryUrl, false)))
                .predictions(kafka.predictions(topics.predictions(), runName))
                .deadLetters(kafka.deadLetters(runName + "-dlq"))
                .scorer(scorer != null ? scorer : TfBatchScorer.factory(config.modelDir(), config.stages()))
                .catalogReplay(new KafkaCatalogReplay(
                        bootstrap,
                        topics.items(),
                        jobConfig.kafkaProperties(),
                        jobConfig.registryClientConfigs(),
                        jobConfig.maxIdLength()));
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
        return new ScoringBenchJob(env.executeAsync(config.jobName()), local.restPort(), bootstrap, runName, topics);
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
