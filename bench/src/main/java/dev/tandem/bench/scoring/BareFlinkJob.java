package dev.tandem.bench.scoring;

import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.kafka.RawRecordDeserializer;
import dev.tandem.inference.kafka.ScoringKafka;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Flink's own cost on this machine, as the scoring job's reference: the same shape (Kafka in, keyBy user, a keyed-state
 * join with the user's features, Kafka out exactly once, same parallelism, checkpoint interval and buffer timeout) with
 * none of the job's work. Requests are never decoded and leave as they came (their own bytes), the keyed state per user
 * is one long (a digest of the newest features record), and there is no catalog, model, batching or Avro. What the
 * scoring job loses against this is ours to win back; what this costs, no scoring job on Flink here can avoid.
 */
final class BareFlinkJob extends BenchJob {
    private BareFlinkJob(JobClient client, int restPort, String bootstrap, String group, String features) {
        super(client, restPort, bootstrap, group, List.of(features));
    }

    /** {@code topics.items()} is not read: the reference has no catalog. */
    static BareFlinkJob start(String bootstrap, ScoringBenchJob.Topics topics, ScoringConfig config, String runName)
            throws Exception {
        LocalEnvironment local = localEnvironment(config);
        StreamExecutionEnvironment env = local.env();
        env.enableCheckpointing(config.checkpointInterval().toMillis());
        env.getConfig().enableObjectReuse();
        env.setBufferTimeout(
                Math.min(env.getBufferTimeout(), Math.max(1, config.maxWait().toMillis())));
        TypeInformation<RawRecord> type = TypeInformation.of(RawRecord.class);
        DataStream<RawRecord> requests = env.fromSource(
                source(bootstrap, runName, topics.requests(), new RawRecordDeserializer()),
                WatermarkStrategy.noWatermarks(),
                "requests");
        DataStream<RawRecord> featureRecords = env.fromSource(
                source(bootstrap, runName, topics.features(), new RawRecordDeserializer()),
                WatermarkStrategy.noWatermarks(),
                "features");
        String featuresTopic = topics.features();
        requests.union(featureRecords)
                .keyBy((RawRecord r) -> new String(r.key, StandardCharsets.UTF_8), Types.STRING)
                .process(new Join(featuresTopic), type)
                .name("join")
                .sinkTo(KafkaSink.<RawRecord>builder()
                        .setBootstrapServers(bootstrap)
                        .setRecordSerializer(new Echo(topics.predictions()))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(runName)
                        .setProperty("transaction.timeout.ms", ScoringKafka.TRANSACTION_TIMEOUT_MS)
                        .build())
                .name("out");
        return new BareFlinkJob(env.executeAsync(runName), local.restPort(), bootstrap, runName, topics.features());
    }

    /** Features records update the user's state; a request reads it and leaves unchanged. */
    private static final class Join extends KeyedProcessFunction<String, RawRecord, RawRecord> {
        private final String featuresTopic;
        private transient ValueState<Long> digest;

        Join(String featuresTopic) {
            this.featuresTopic = featuresTopic;
        }

        @Override
        public void open(OpenContext ctx) {
            digest = getRuntimeContext().getState(new ValueStateDescriptor<>("features-digest", Types.LONG));
        }

        @Override
        public void processElement(RawRecord r, Context ctx, Collector<RawRecord> out) throws Exception {
            if (featuresTopic.equals(r.topic)) {
                digest.update(
                        r.value == null ? 0L : ((long) r.value.length << 32) ^ java.util.Arrays.hashCode(r.value));
            } else {
                digest.value(); // the join's state read; what the real job does with the features is the job's own cost
                out.collect(r);
            }
        }
    }

    /** The record's own key and value onto {@code topic}. */
    private static final class Echo implements KafkaRecordSerializationSchema<RawRecord> {
        private final String topic;

        Echo(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(RawRecord r, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, null, r.key, r.value);
        }
    }
}
