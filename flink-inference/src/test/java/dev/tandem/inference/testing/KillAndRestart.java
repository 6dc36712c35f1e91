package dev.tandem.inference.testing;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.Checkpoints;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A scoring app killed with SIGKILL mid-stream while requests keep flowing, then started again with the same
 * configuration: it must resume from its last completed checkpoint, and a read_committed reader of
 * {@code predictions} must see exactly one prediction per request, none lost and none twice. What is killed and
 * restarted is the caller's: {@code ScoringApp} from its job jar (flink-inference's {@code ScoringAppKillIT}), or the
 * {@code tandem score} CLI (platform's {@code ScoreCommandKillIT}). Either must print where it starts from as
 * {@code ScoringRunner.Restore#describe()} words it, and {@code runningLine} once its job runs.
 *
 * <pre>{@code
 * try (KillAndRestart k = new KillAndRestart(KAFKA, dir, checkpointDirUri, "running", log -> startTheApp(log))) {
 *     k.run();
 * }
 * }</pre>
 *
 * <p>The app must read {@code scoring-requests} from their start (a replay, or group offsets committed at 0) and have
 * no restart strategy: only the restart recovers. {@link #close()} kills whatever is still running.
 */
public final class KillAndRestart implements AutoCloseable {
    public static final int USERS = 12;
    public static final int ITEMS = 20;
    /** Requests sent every {@link #SEND_EVERY}, across the kill and the restart. */
    private static final int BURST = 10;

    private static final Duration SEND_EVERY = Duration.ofMillis(50);

    /** Starts one run of the app under test, its stdout and stderr written to {@code log}. */
    @FunctionalInterface
    public interface Launcher {
        Process start(Path log) throws Exception;
    }

    private final TandemClusterExtension kafka;
    private final Path logs;
    private final String checkpointDir;
    private final String runningLine;
    private final Launcher launcher;
    private final List<Process> started = new ArrayList<>();
    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, Integer> predicted = new HashMap<>();
    private final long t0 = System.nanoTime();
    private ScheduledExecutorService sender;
    private int decoded;

    /**
     * @param checkpointDir the app's checkpoint directory as a URI ({@code file:///…}), where {@link Checkpoints}
     *                      looks for completed checkpoints
     * @param runningLine   what the app prints once its job runs
     */
    public KillAndRestart(
            TandemClusterExtension kafka, Path logs, String checkpointDir, String runningLine, Launcher launcher) {
        this.kafka = kafka;
        this.logs = logs;
        this.checkpointDir = checkpointDir.replaceAll("/$", "");
        this.runningLine = runningLine;
        this.launcher = launcher;
    }

    /** Features for {@link #USERS} users and {@link #ITEMS} items, then start, kill, restart and check. */
    public void run() throws Exception {
        try (KafkaProducer<String, Object> producer = kafka.avroProducer();
                CommittedRecords out = kafka.committed("kill-and-restart-verify", TandemTopics.PREDICTIONS)) {
            TandemAvroDeserializer<Prediction> de = kafka.avroDeserializer(Prediction.class);
            for (int u = 0; u < USERS; u++) {
                producer.send(new ProducerRecord<>(
                        TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_700_000_000_000L, 4, 1)));
            }
            for (int i = 0; i < ITEMS; i++) {
                producer.send(
                        new ProducerRecord<>(TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + i % 4, "b", 1.0 + i)));
            }
            producer.flush();

            say("features and items sent");
            Path firstLog = logs.resolve("first.log");
            Process first = startAndAwaitRunning(firstLog);
            assertThat(log(firstLog)).contains("starting fresh (no completed checkpoint in " + checkpointDir);

            say("first run up");
            // requests flow from here on, across the kill and the restart
            sender = Executors.newSingleThreadScheduledExecutor();
            sender.scheduleAtFixedRate(() -> send(producer), 0, SEND_EVERY.toMillis(), TimeUnit.MILLISECONDS);

            // mid-stream: predictions committed and a checkpoint completed, with requests still arriving
            out.pollUntil(
                    Duration.ofSeconds(120),
                    () -> tally(out, de) >= 200 && latestCheckpoint().isPresent() || !first.isAlive());
            assertThat(first.isAlive()).as(log(firstLog)).isTrue();
            // the JVM itself, not a wrapper script in front of it
            assertThat(first.info().command())
                    .hasValueSatisfying(c -> assertThat(c).endsWith("java"));
            say(
                    "%d requests predicted, checkpoint %s: killing",
                    predicted.size(), latestCheckpoint().orElseThrow());
            first.destroyForcibly(); // SIGKILL: no cancel, no final checkpoint, open transactions left behind
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Optional<String> resumeFrom = latestCheckpoint();
            assertThat(resumeFrom).isPresent();
            awaitMoreRequests("requests sent while it is down");

            say("killed; %d requests sent", next.get());
            Path secondLog = logs.resolve("second.log");
            Process second = startAndAwaitRunning(secondLog);
            assertThat(log(secondLog))
                    .contains("resuming from " + resumeFrom.get() + " (the newest completed checkpoint in");
            say("second run up; %d requests sent", next.get());
            awaitMoreRequests("requests after the restart");
            sender.shutdown();
            assertThat(sender.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            out.pollUntil(Duration.ofSeconds(120), () -> {
                tally(out, de);
                return predicted.keySet().containsAll(sent) || !second.isAlive();
            });
            assertThat(second.isAlive()).as(log(secondLog)).isTrue();
            say("all %d requests predicted", sent.size());
            // a few checkpoints' worth of quiet, so a duplicate committed late would still be seen
            out.drainUntilQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30));
            tally(out, de);
            say("quiet");

            assertThat(predicted.entrySet().stream()
                            .filter(e -> e.getValue() != 1)
                            .toList())
                    .as("requests predicted more than once")
                    .isEmpty();
            assertThat(predicted.keySet())
                    .as("one prediction per request sent")
                    .containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    private Process startAndAwaitRunning(Path log) throws Exception {
        Process p = launcher.start(log);
        started.add(p);
        await("the app is up (" + log.getFileName() + ")")
                .atMost(Duration.ofSeconds(180))
                .until(() -> log(log).contains(runningLine) || !p.isAlive());
        assertThat(p.isAlive()).as(log(log)).isTrue();
        return p;
    }

    private void send(KafkaProducer<String, Object> producer) {
        for (int k = 0; k < BURST; k++) {
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
    }

    private void awaitMoreRequests(String what) {
        int from = next.get();
        await(what).atMost(Duration.ofSeconds(30)).until(() -> next.get() >= from + 100);
    }

    private Optional<String> latestCheckpoint() {
        try {
            return Checkpoints.latest(checkpointDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts the predictions collected since the last call by request id; returns how many requests have one. */
    private int tally(CommittedRecords out, TandemAvroDeserializer<Prediction> de) {
        for (; decoded < out.size(); decoded++) {
            var rec = out.records().get(decoded);
            predicted.merge(de.deserialize(rec.topic(), rec.value()).getRequestId(), 1, Integer::sum);
        }
        return predicted.size();
    }

    /** Progress with the seconds since the start, on the test's output: where the time goes. */
    private void say(String format, Object... args) {
        System.out.printf(
                Locale.ROOT,
                "[%6.1f s] %s%n",
                (System.nanoTime() - t0) / 1e9,
                String.format(Locale.ROOT, format, args));
    }

    private static String log(Path p) throws Exception {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    @Override
    public void close() throws Exception {
        if (sender != null) sender.shutdownNow();
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
