package dev.tandem.platform.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring job as {@code tandem score} runs it (local MiniCluster, Kafka in and out, a real
 * SavedModel) on the platform's classpath, which also holds Kafka Streams' rocksdbjni and the broker.
 */
class LocalScoringIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path models;

    static Path trainTinyModel(Path models) throws Exception {
        Random rnd = new Random(3);
        List<LoggedEvent> log = new ArrayList<>();
        long t = 1_700_000_000_000L;
        int id = 0;
        for (int u = 0; u < 40; u++) {
            for (int v = 0; v < 10; v++) {
                int item = rnd.nextInt(30);
                t += 60_000L;
                log.add(new LoggedEvent("u" + u, new BehaviourEvent("e" + id++, "i" + item, "c" + item % 5, Action.VIEW, t), "b", 10.0 + item));
                if (rnd.nextDouble() < 0.3) {
                    log.add(new LoggedEvent("u" + u, new BehaviourEvent("e" + id++, "i" + item, "c" + item % 5, Action.CART, t + 1_000L), "b", 10.0 + item));
                    if (rnd.nextBoolean()) {
                        log.add(new LoggedEvent("u" + u, new BehaviourEvent("e" + id++, "i" + item, "c" + item % 5, Action.PURCHASE, t + 2_000L), "b", 10.0 + item));
                    }
                }
            }
        }
        FeatureSpec spec = FeatureSpec.defaults().withSequenceLength(6);
        ExampleSet data = new ExampleBuilder(new FeatureEncoder(spec), SequencePolicy.defaults(),
                // a 24 h horizon would censor every exposure of this ~7 h log (the trainer refuses one-class labels)
                new FunnelConfig(FunnelConfig.defaults().stages(), Duration.ofMinutes(10), 0.7)).build(log);
        try (TrainedModel m = new Trainer(ModelConfig.defaults().withName("tiny").withArchitecture("mmoe", "mean").withTraining(0.005, 128, 1, 0, 7), null)
                .train(data)) {
            return m.export(models, "v1");
        }
    }

    @Test
    @Timeout(180)
    void scoresRequestsFromKafkaExactlyOnceAndStopsCleanly() throws Exception {
        Path dir = trainTinyModel(models);
        assertThat(LocalScoring.resolveModel(models, null)).contains(dir);
        LocalScoring.check(dir, List.of("CART", "PURCHASE"));

        ScoringConfig config = ScoringConfig.defaults().withBatching(64, Duration.ofMillis(5)).withParallelism(1)
                .withCheckpointInterval(Duration.ofMillis(500)).withModel(dir.toString(), List.of("CART", "PURCHASE"));
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
        int n = 40;
        try (LocalScoring job = LocalScoring.start(KAFKA.bootstrapServers(), KAFKA.registryUrl(), config)) {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
                TandemAvroSerializer<ScoringRequest> ser = new TandemAvroSerializer<>(registry, false);
                for (int r = 0; r < n; r++) {
                    List<Candidate> c = List.of(Candidate.newBuilder().setItemId("i" + r % 30).build(), Candidate.newBuilder().setItemId("new-" + r).build());
                    ScoringRequest req = ScoringRequest.newBuilder().setRequestId("req-" + r).setUserId("u" + r % 7)
                            .setRequestTime(Instant.ofEpochMilli(1_700_001_000_000L)).setCandidates(c).build();
                    producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, req.getUserId().getBytes(StandardCharsets.UTF_8),
                            ser.serialize(TandemTopics.SCORING_REQUESTS, req)));
                }
                producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {42}));
            }
            Map<String, Prediction> byRequest = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KAFKA.consumerProps("local-scoring-it"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
                consumer.subscribe(List.of(TandemTopics.PREDICTIONS, TandemTopics.DEAD_LETTERS));
                long deadline = System.currentTimeMillis() + 90_000;
                while (System.currentTimeMillis() < deadline && (byRequest.size() < n || dead.isEmpty())) {
                    for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                        if (rec.topic().equals(TandemTopics.DEAD_LETTERS)) {
                            dead.add(rec);
                        } else {
                            Prediction p = de.deserialize(rec.topic(), rec.value());
                            assertThat(byRequest.put(p.getRequestId(), p)).isNull();
                        }
                    }
                    assertThat(job.failure()).isEmpty();
                }
            }
            assertThat(byRequest).hasSize(n);
            assertThat(byRequest.values()).allSatisfy(p -> {
                assertThat(p.getModelName()).isEqualTo("tiny");
                assertThat(p.getCandidates()).hasSize(2);
                assertThat(p.getCandidates().get(0).getProbabilities()).hasSize(2).allSatisfy(x -> assertThat(x).isBetween(0f, 1f));
            });
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).value()).containsExactly(42);
            assertThat(new String(dead.get(0).headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8)).isEqualTo("deserialization");
            job.stop(Duration.ofSeconds(30));
            assertThat(job.status()).isIn(JobStatus.CANCELED, null); // null: the MiniCluster is gone with the job
        }
    }
}
