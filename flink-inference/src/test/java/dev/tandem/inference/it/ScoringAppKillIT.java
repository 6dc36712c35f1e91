package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.Checkpoints;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring app from its job jar (as {@code flink run} would load it: the jar plus Flink's own jars) in a child
 * JVM, killed with SIGKILL mid-stream while requests keep flowing, then started again with the same configuration:
 * it resumes from its last completed checkpoint, and a read_committed reader of {@code predictions} sees exactly
 * one prediction per request, none lost and none twice. Restart strategy none: only the restart recovers.
 */
class ScoringAppKillIT {
    private static final int USERS = 12;
    private static final int ITEMS = 20;

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private ScheduledExecutorService sender;

    @AfterEach
    void stopEverything() throws Exception {
        if (sender != null) sender.shutdownNow();
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(420)
    void aKilledAppResumesFromItsLastCheckpointWithExactlyOnePredictionPerRequest() throws Exception {
        Path model = TinyModels.train(dir.resolve("models"), "v1", 3);
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
        Path checkpoints = dir.resolve("checkpoints");
        Path config = Files.writeString(
                dir.resolve("scoring.properties"),
                String.join(
                        "\n",
                        "bootstrap.servers=" + KAFKA.bootstrapServers(),
                        "schema.registry.url=" + KAFKA.registryUrl(),
                        "scoring.model.dir=" + model,
                        "scoring.parallelism=2",
                        "scoring.max.batch.rows=64",
                        "scoring.checkpoint.interval=300ms",
                        "scoring.checkpoint.dir=" + checkpoints.toUri(),
                        // with a replay policy a restart that did NOT resume would predict every request again: the
                        // check has teeth
                        "scoring.requests.starting.offsets=earliest",
                        "scoring.group.id=kill-it",
                        "scoring.transactional.id.prefix=kill-it",
                        "flink.restart-strategy.type=none",
                        ""));
        List<String> classPath = new ArrayList<>(List.of(JobJar.path().toString()));
        classPath.addAll(JobJar.flinkLib());

        Set<String> sent = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(
                        KAFKA.producerProps(), new StringSerializer(), new TandemAvroSerializer<>(registry, false));
                KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(
                        KAFKA.consumerProps("kill-it-verify"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            for (int u = 0; u < USERS; u++) {
                producer.send(new ProducerRecord<>(
                        TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_700_000_000_000L, 4, 1)));
            }
            for (int i = 0; i < ITEMS; i++) {
                producer.send(
                        new ProducerRecord<>(TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + i % 4, "b", 1.0 + i)));
            }
            producer.flush();
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
            Map<String, Integer> seen = new ConcurrentHashMap<>();
            reader.subscribe(List.of(TandemTopics.PREDICTIONS));

            Path firstLog = dir.resolve("first.log");
            Process first = start(classPath, config, firstLog);
            await("the first run is up")
                    .atMost(Duration.ofSeconds(180))
                    .until(() -> log(firstLog).contains("running in a local MiniCluster") || !first.isAlive());
            assertThat(first.isAlive()).as(log(firstLog)).isTrue();
            assertThat(log(firstLog))
                    .contains("starting fresh (no completed checkpoint in "
                            + checkpoints.toUri().toString().replaceAll("/$", ""));

            // requests flow from here on, 10 every 50 ms, across the kill and the restart
            sender = Executors.newSingleThreadScheduledExecutor();
            sender.scheduleAtFixedRate(
                    () -> {
                        for (int k = 0; k < 10; k++) {
                            int r = next.getAndIncrement();
                            String id = "req-" + r;
                            producer.send(new ProducerRecord<>(
                                    TandemTopics.SCORING_REQUESTS,
                                    "u" + r % USERS,
                                    ScoringRequest.newBuilder()
                                            .setRequestId(id)
                                            .setUserId("u" + r % USERS)
                                            .setRequestTime(Instant.ofEpochMilli(1_700_000_100_000L + r))
                                            .setCandidates(List.of(candidate("i" + r % ITEMS), candidate("new-" + r)))
                                            .build()));
                            sent.add(id);
                        }
                        producer.flush();
                    },
                    0,
                    50,
                    TimeUnit.MILLISECONDS);

            // mid-stream: predictions committed and a checkpoint completed, with requests still arriving
            await("predictions committed by the first run")
                    .atMost(Duration.ofSeconds(120))
                    .until(() -> poll(reader, de, seen) >= 0
                            && seen.size() >= 200
                            && Checkpoints.latest(checkpoints.toUri().toString())
                                    .isPresent());
            assertThat(first.isAlive()).as(log(firstLog)).isTrue();
            first.destroyForcibly(); // SIGKILL: no cancel, no final checkpoint, open transactions left behind
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Optional<String> resumeFrom = Checkpoints.latest(checkpoints.toUri().toString());
            assertThat(resumeFrom).isPresent();
            int atKill = next.get();
            await("requests sent while it is down")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> next.get() >= atKill + 100);

            Path secondLog = dir.resolve("second.log");
            Process second = start(classPath, config, secondLog);
            await("the second run is up")
                    .atMost(Duration.ofSeconds(180))
                    .until(() -> log(secondLog).contains("running in a local MiniCluster") || !second.isAlive());
            assertThat(second.isAlive()).as(log(secondLog)).isTrue();
            assertThat(log(secondLog)).contains("resuming from ").contains("the newest completed checkpoint in");
            int atRestart = next.get();
            await("requests after the restart")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> next.get() >= atRestart + 100);
            sender.shutdown();
            assertThat(sender.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            await("every request predicted")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> poll(reader, de, seen) >= 0 && (seen.keySet().containsAll(sent) || !second.isAlive()));
            assertThat(second.isAlive()).as(log(secondLog)).isTrue();
            // a few more checkpoints' worth of quiet, so a duplicate committed late would still be seen
            long quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> poll(reader, de, seen) >= 0 && System.nanoTime() > quietUntil);

            assertThat(seen.entrySet().stream().filter(e -> e.getValue() != 1).toList())
                    .as("requests predicted more than once")
                    .isEmpty();
            assertThat(seen.keySet()).as("one prediction per request sent").containsExactlyInAnyOrderElementsOf(sent);
            assertThat(log(secondLog))
                    .contains("resuming from " + resumeFrom.get() + " (the newest completed checkpoint in");
        }
    }

    private Process start(List<String> classPath, Path config, Path log) throws Exception {
        Process p = JobJar.scoringApp(classPath, log, List.of("--config", config.toString()))
                .start();
        started.add(p);
        return p;
    }

    private static String log(Path p) throws Exception {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** Reads what is committed now into {@code seen} (request id → predictions); returns how many records it read. */
    private static int poll(
            KafkaConsumer<byte[], byte[]> reader, TandemAvroDeserializer<Prediction> de, Map<String, Integer> seen) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> rec : reader.poll(Duration.ofMillis(100))) {
            Prediction p = de.deserialize(rec.topic(), rec.value());
            seen.merge(p.getRequestId().toString(), 1, Integer::sum);
            n++;
        }
        return n;
    }
}
