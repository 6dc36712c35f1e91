package dev.tandem.platform.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.platform.cli.TandemCli;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem score --jobmanager}: the job jar built by flink-inference uploaded through a Flink cluster's REST API
 * (a MiniCluster's, on loopback, with the jar handlers of flink-runtime-web) and its {@code ScoringApp} run there with
 * the command's settings as program arguments, scoring from Kafka until SIGTERM cancels it on the cluster.
 */
class RemoteScoringIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path models;

    private MiniCluster cluster;
    private String jobManager;

    @BeforeEach
    void startCluster() throws Exception {
        Configuration conf = new Configuration();
        conf.setString("rest.bind-address", "127.0.0.1");
        conf.setString("rest.address", "127.0.0.1");
        conf.setString("rest.port", "0");
        conf.setString("restart-strategy.type", "none");
        // This cluster shares the test's JVM, whose class path already holds everything the job jar does (Flink's
        // connectors and kafka-clients included): parent-first keeps one copy of each class. A real cluster's
        // lib/ has neither, and child-first loads them from the job jar (ScoringAppKillIT runs the jar that way).
        conf.setString("classloader.resolve-order", "parent-first");
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1)
                .build());
        cluster.start();
        URI rest = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
        jobManager = rest.getHost() + ":" + rest.getPort();
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (cluster != null) cluster.close();
    }

    private static Path jobJar() {
        return LocalScoring.jobJar()
                .orElseThrow(
                        () -> new AssertionError(
                                "no job jar in flink-inference/target: build the reactor with `package` (without -Dtandem.skipJobJar)"));
    }

    @Test
    @Timeout(240)
    void tandemScoreRunsTheJobJarOnTheClusterUntilSigterm() throws Exception {
        TinyModels.train(models, "v1", 7);
        Path jar = jobJar();
        // the app reads scoring-requests from the group's committed offsets: commit them before it starts, so every
        // request below counts whenever the source gets going
        KAFKA.commitOffsetsAtStart(
                ScoringConfig.defaults().groupId() + "." + TandemTopics.SCORING_REQUESTS,
                TandemTopics.SCORING_REQUESTS);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread cli = new Thread(
                () -> exit.set(TandemCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                        .execute(
                                "score",
                                "--bootstrap",
                                KAFKA.bootstrapServers(),
                                "--registry",
                                KAFKA.registryUrl(),
                                "--models",
                                models.toString(),
                                "--jobmanager",
                                jobManager,
                                "--job-jar",
                                jar.toString(),
                                "--checkpoint-interval",
                                "500ms",
                                "--max-batch-rows",
                                "64")),
                "tandem-score");
        cli.start();
        await("tandem score is running")
                .atMost(Duration.ofSeconds(120))
                .until(() -> out.toString().contains("running. Ctrl-C to stop.") || !cli.isAlive());
        assertThat(cli.isAlive()).as(out + "\n" + err).isTrue();
        assertThat(out.toString())
                .contains("scoring job (Flink 2.2.0 cluster at " + jobManager + ")")
                .containsPattern("  job jars             1 \\(\\d+ MiB, uploaded on submit\\)")
                .contains("  max-batch-rows       64", "  checkpoint-interval  500 ms");
        List<JobStatusMessage> jobs = List.copyOf(cluster.listJobs().get());
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).getJobName()).isEqualTo(ScoringConfig.defaults().jobName());

        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
        int n = 25;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
            TandemAvroSerializer<ScoringRequest> ser = new TandemAvroSerializer<>(registry, false);
            for (int r = 0; r < n; r++) {
                ScoringRequest req = ScoringRequest.newBuilder()
                        .setRequestId("req-" + r)
                        .setUserId("u" + r % 4)
                        .setRequestTime(Instant.ofEpochMilli(1_700_001_000_000L))
                        .setCandidates(List.of(
                                Candidate.newBuilder().setItemId("i" + r % 30).build()))
                        .build();
                producer.send(new ProducerRecord<>(
                        TandemTopics.SCORING_REQUESTS,
                        req.getUserId().getBytes(StandardCharsets.UTF_8),
                        ser.serialize(TandemTopics.SCORING_REQUESTS, req)));
            }
        }
        Map<String, Prediction> byRequest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                KAFKA.consumerProps("remote-scoring-it"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
            consumer.subscribe(List.of(TandemTopics.PREDICTIONS));
            await("every request predicted").atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                    Prediction p = de.deserialize(rec.topic(), rec.value());
                    assertThat(byRequest.put(p.getRequestId().toString(), p)).isNull();
                }
                return byRequest.size() == n || !cli.isAlive();
            });
        }
        assertThat(cli.isAlive()).as(out + "\n" + err).isTrue();
        assertThat(byRequest.values())
                .allSatisfy(p -> assertThat(p.getModelName()).isEqualTo("tiny"));

        // Ctrl-C's path: the command's own TERM handler stops it, which cancels the job on the cluster
        assertThat(new ProcessBuilder(
                                "kill",
                                "-TERM",
                                Long.toString(ProcessHandle.current().pid()))
                        .start()
                        .waitFor())
                .isZero();
        cli.join(Duration.ofSeconds(60).toMillis());
        assertThat(cli.isAlive()).isFalse();
        assertThat(exit.get()).as(err.toString()).isZero();
        assertThat(out.toString()).contains("stopping (SIGTERM)", "scoring job stopped");
        assertThat(cluster.getJobStatus(jobs.get(0).getJobId()).get()).isEqualTo(JobStatus.CANCELED);
    }

    @Test
    @Timeout(120)
    void anAppThatRefusesToStartOnTheClusterIsOneLine() throws Exception {
        ScoringConfig config = ScoringConfig.builder()
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .model(models.resolve("no-such/model").toString(), List.of("CART", "PURCHASE"))
                .build();
        assertThatThrownBy(() -> LocalScoring.submit(jobManager, jobJar(), config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("running dev.tandem.inference.ScoringApp on " + jobManager + " failed: ")
                .hasMessageContaining("no-such")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(cluster.listJobs().get()).isEmpty();
    }
}
