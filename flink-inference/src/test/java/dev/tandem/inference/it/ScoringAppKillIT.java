package dev.tandem.inference.it;

import dev.tandem.inference.testing.KillAndRestart;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring app from its job jar (as {@code flink run} would load it: the jar plus Flink's own jars) in a child
 * JVM, killed with SIGKILL mid-stream while requests keep flowing, then started again with the same configuration:
 * it resumes from its last completed checkpoint, and a read_committed reader of {@code predictions} sees exactly
 * one prediction per request, none lost and none twice ({@link KillAndRestart}). Restart strategy none: only the
 * restart recovers. platform's {@code ScoreCommandKillIT} does the same to {@code tandem score}.
 */
class ScoringAppKillIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path dir;

    @Test
    @Timeout(420)
    void aKilledAppResumesFromItsLastCheckpointWithExactlyOnePredictionPerRequest() throws Exception {
        Path model = TinyModels.train(dir.resolve("models"), "v1", 3);
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

        try (KillAndRestart run = new KillAndRestart(
                KAFKA,
                dir,
                checkpoints.toUri().toString(),
                "running in a local MiniCluster",
                log -> JobJar.scoringApp(classPath, log, List.of("--config", config.toString()))
                        .start())) {
            run.run();
        }
    }
}
