package dev.tandem.platform.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.net.URI;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        Path dir = TinyModels.train(models, "v1", 7);
        ScoringConfig config = ScoringConfig.defaults().withBatching(64, Duration.ofMillis(5)).withParallelism(1)
                .withCheckpointInterval(Duration.ofMillis(500)).withModel(dir.toString(), TinyModels.STAGES);
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

            int n = 25;
            // no jars to ship: this cluster runs in the test's JVM, whose class path already has the job's classes
            try (LocalScoring job = LocalScoring.submit(jobManager, List.of(), KAFKA.bootstrapServers(), KAFKA.registryUrl(), config)) {
                assertThat(cluster.listJobs().get()).hasSize(1);
                try (KafkaProducer<String, Object> producer = KAFKA.avroProducer()) {
                    for (int r = 0; r < n; r++) {
                        ScoringRequest req = ScoringRequest.newBuilder().setRequestId("req-" + r).setUserId("u" + r % 4)
                                .setRequestTime(Instant.ofEpochMilli(1_700_001_000_000L))
                                .setCandidates(List.of(Candidate.newBuilder().setItemId("i" + r % 30).build())).build();
                        producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, req.getUserId(), req));
                    }
                }
                Map<String, Prediction> byRequest = new HashMap<>();
                try (CommittedRecords out = KAFKA.committed("remote-scoring-it", TandemTopics.PREDICTIONS)) {
                    TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
                    out.pollUntil(Duration.ofSeconds(90), () -> {
                        assertThat(job.failure()).isEmpty();
                        byRequest.clear();
                        for (Prediction p : out.values(de)) {
                            assertThat(byRequest.put(p.getRequestId().toString(), p)).isNull();
                        }
                        return byRequest.size() >= n;
                    });
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
