package dev.tandem.platform.cli;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.testing.KillAndRestart;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tandem score} (the script, which execs the CLI's JVM) killed with SIGKILL mid-stream while requests keep
 * flowing, then started again the same way in the same directory: with its default {@code --checkpoint-dir}
 * ({@code .tandem/scoring-checkpoints} there) it resumes from its last completed checkpoint, and a read_committed
 * reader of {@code predictions} sees exactly one prediction per request ({@link KillAndRestart}, which flink-inference's
 * {@code ScoringAppKillIT} runs against the job jar). An IT: the script runs {@code target/classes} and
 * {@code target/lib}, which {@code package} fills.
 */
class ScoreCommandKillIT {
    private static final Path SCRIPT = Path.of("..", "tandem").toAbsolutePath().normalize();

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void aKilledTandemScoreResumesFromItsLastCheckpointWithExactlyOnePredictionPerRequest() throws Exception {
        Path models = dir.resolve("models");
        TinyModels.train(models, "v1", 3);
        Path work = Files.createDirectories(dir.resolve("work"));
        // tandem score reads scoring-requests from its group's committed offsets, else the latest: committed at 0, the
        // first start reads every request, those sent before its source found the topic's end included. A restart
        // that did not resume from the checkpoint would start from what Flink committed since, and predict again.
        KAFKA.commitOffsetsAtStart(
                ScoringConfig.defaults().groupId() + "." + TandemTopics.SCORING_REQUESTS,
                TandemTopics.SCORING_REQUESTS);

        try (KillAndRestart run = new KillAndRestart(
                KAFKA,
                dir,
                work.resolve(".tandem").resolve("scoring-checkpoints").toUri().toString(),
                "running. Ctrl-C to stop.",
                log -> tandemScore(work, models, log))) {
            run.run();
        }
    }

    /** {@code ./tandem score} in {@code work}, as a user would run it, without building first. */
    private static Process tandemScore(Path work, Path models, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(
                        "bash",
                        SCRIPT.toString(),
                        "score",
                        "--models",
                        models.toString(),
                        "--bootstrap",
                        KAFKA.bootstrapServers(),
                        "--registry",
                        KAFKA.registryUrl(),
                        "--parallelism",
                        "2",
                        "--max-batch-rows",
                        "64",
                        "--checkpoint-interval",
                        "300ms"))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // the CLI reads TANDEM_* variables: the test's own environment must not leak settings into it
        env.keySet().removeIf(k -> k.startsWith("TANDEM_"));
        env.put("TANDEM_NO_BUILD", "1");
        // as ScoringAppKillIT's child JVM: a short-lived CLI starts sooner with C1 alone
        env.put("TANDEM_JAVA_OPTS", "-Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) env.put("TANDEM_JAVACPP_CACHE", cache);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return pb.start();
    }
}
