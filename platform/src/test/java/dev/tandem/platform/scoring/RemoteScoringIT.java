package dev.tandem.platform.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
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
 * {@code tandem score --jobmanager}: the job submitted through a Flink cluster's REST API (a
 * MiniCluster's, on loopback) instead of run in a local MiniCluster, scoring from Kafka until cancelled.
 */
class RemoteScoringIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path models;

    @Test
    @Timeout(180)
    void theJobRunsOnTheClusterBehindTheRestAddress() throws Exception {
        Path dir = LocalScoringIT.trainTinyModel(models);
        ScoringConfig config = ScoringConfig.builder().batching(64, Duration.ofMillis(5)).parallelism(1)
                .checkpointInterval(Duration.ofMillis(500)).model(dir.toString(), List.of("CART", "PURCHASE")).build();
        Configuration conf = new Configuration();
        conf.setString("rest.bind-address", "127.0.0.1");
        conf.setString("rest.address", "127.0.0.1");
        conf.setString("rest.port", "0");
        conf.setString("restart-strategy.type", "none");
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build())) {
            cluster.start();
            URI rest = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
            String jobManager = rest.getHost() + ":" + rest.getPort();
            assertThat(LocalScoring.flinkVersion(LocalScoring.JobManager.parse(jobManager), LocalScoring.PROBE_TIMEOUT)).isNotBlank();

            SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
            int n = 25;
            // no jars to ship: this cluster runs in the test's JVM, whose class path already has the job's classes
            try (LocalScoring job = LocalScoring.submit(jobManager, List.of(), KAFKA.bootstrapServers(), KAFKA.registryUrl(), config)) {
                assertThat(cluster.listJobs().get()).hasSize(1);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
                    TandemAvroSerializer<ScoringRequest> ser = new TandemAvroSerializer<>(registry, false);
                    for (int r = 0; r < n; r++) {
                        ScoringRequest req = ScoringRequest.newBuilder().setRequestId("req-" + r).setUserId("u" + r % 4)
                                .setRequestTime(Instant.ofEpochMilli(1_700_001_000_000L))
                                .setCandidates(List.of(Candidate.newBuilder().setItemId("i" + r % 30).build())).build();
                        producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, req.getUserId().getBytes(StandardCharsets.UTF_8),
                                ser.serialize(TandemTopics.SCORING_REQUESTS, req)));
                    }
                }
                Map<String, Prediction> byRequest = new HashMap<>();
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KAFKA.consumerProps("remote-scoring-it"),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
                    consumer.subscribe(List.of(TandemTopics.PREDICTIONS));
                    long deadline = System.currentTimeMillis() + 90_000;
                    while (System.currentTimeMillis() < deadline && byRequest.size() < n) {
                        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                            Prediction p = de.deserialize(rec.topic(), rec.value());
                            assertThat(byRequest.put(p.getRequestId().toString(), p)).isNull();
                        }
                        assertThat(job.failure()).isEmpty();
                    }
                }
                assertThat(byRequest).hasSize(n);
                assertThat(byRequest.values()).allSatisfy(p -> assertThat(p.getModelName()).isEqualTo("tiny"));
                job.stop(Duration.ofSeconds(30));
                assertThat(job.status()).isEqualTo(JobStatus.CANCELED);
                assertThat(cluster.getJobStatus(cluster.listJobs().get().iterator().next().getJobId()).get()).isEqualTo(JobStatus.CANCELED);
            }
        }
    }
}
