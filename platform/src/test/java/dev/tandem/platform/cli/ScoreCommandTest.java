package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.features.FeatureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tandem score} refusals: bad usage exits 2, an unservable model exits 1, each with one line and no Kafka needed. */
class ScoreCommandTest {
    @TempDir
    Path dir;

    @Test
    void badArgumentsAreUsageErrors() throws IOException {
        Path models = Files.createDirectories(dir.resolve("models/m/v1"));
        FeatureSpec.defaults().write(models);
        String root = dir.resolve("models").toString();

        for (String[] args : new String[][] {
            {"score"},
            {"score", "--models", root, "--model", "no-version"},
            {"score", "--models", root, "--max-batch-rows", "0"},
            {"score", "--models", root, "--max-batch-rows", "many"},
            {"score", "--models", root, "--max-wait", "soon"},
            {"score", "--models", root, "--parallelism", "0"},
            {"score", "--models", root, "--checkpoint-interval", "0s"},
            {"score", "--models", root, "--delivery", "maybe"},
            {"score", "--models", root, "--request-deadline", "soon"}
        }) {
            CliRun r = CliRun.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.errLines()).as(String.join(" ", args)).hasSize(1);
            assertThat(r.err()).startsWith("tandem: ").doesNotContain("Exception");
        }
    }

    @Test
    void deliveryAndRequestDeadlineReachTheJobsConfiguration() throws IOException {
        Path model = Files.createDirectories(dir.resolve("models/m/v1"));
        FeatureSpec.defaults().write(model);
        String root = dir.resolve("models").toString();
        ScoreCommand c = new ScoreCommand();
        CommandLine cl = new CommandLine(c);

        cl.parseArgs("--models", root);
        ScoringConfig defaults = c.config(cl, model);
        assertThat(defaults.delivery()).isEqualTo(ScoringConfig.Delivery.EXACTLY_ONCE);
        assertThat(defaults.requestDeadline()).isNull();

        cl.parseArgs("--models", root, "--delivery", "at-least-once", "--request-deadline", "750ms");
        ScoringConfig alo = c.config(cl, model);
        assertThat(alo.delivery()).isEqualTo(ScoringConfig.Delivery.AT_LEAST_ONCE);
        assertThat(alo.requestDeadline()).isEqualTo(Duration.ofMillis(750));
        assertThat(alo.changes())
                .as("what a --jobmanager run passes to the app")
                .containsEntry("scoring.delivery", "at-least-once")
                .containsEntry("scoring.request.deadline", "750ms");

        CliRun bad = CliRun.run("score", "--models", root, "--delivery", "at-most-once");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("--delivery", "exactly-once, at-least-once", "at-most-once");
    }

    @Test
    void aMissingModelsDirOrModelIsAFailure() throws IOException {
        CliRun missing = CliRun.run("score", "--models", dir.resolve("nope").toString());
        Files.createDirectories(dir.resolve("empty"));
        CliRun empty = CliRun.run("score", "--models", dir.resolve("empty").toString());
        CliRun noSuchModel =
                CliRun.run("score", "--models", dir.resolve("empty").toString(), "--model", "m/v9");

        assertThat(missing.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(missing.errLines()).hasSize(1);
        assertThat(missing.err()).contains("models directory not found");
        assertThat(empty.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(empty.err()).contains("no exported model under");
        assertThat(noSuchModel.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(noSuchModel.err()).contains("model not found");
    }

    @Test
    void anIncompatibleOrBrokenModelIsRefused() throws IOException {
        Path bad = Files.createDirectories(dir.resolve("models/m/v1"));
        Files.writeString(bad.resolve(FeatureSpec.FILE_NAME), "{\"formatVersion\": 99, \"features\": []}");
        Path noGraph = Files.createDirectories(dir.resolve("models/m/v2"));
        FeatureSpec.defaults().write(noGraph);

        CliRun incompatible =
                CliRun.run("score", "--models", dir.resolve("models").toString(), "--model", "m/v1");
        CliRun broken = CliRun.run("score", "--models", dir.resolve("models").toString(), "--model", "m/v2");

        for (CliRun r : new CliRun[] {incompatible, broken}) {
            assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).startsWith("tandem: model ").contains("cannot be served");
        }
    }

    @Test
    void localRunsKeepCheckpointsInADurableDirectoryByDefault() {
        ScoreCommand c = new ScoreCommand();
        assertThat(c.checkpointDir(false))
                .startsWith("file:")
                .isEqualTo(Path.of(".tandem", "scoring-checkpoints")
                        .toAbsolutePath()
                        .toUri()
                        .toString());
        assertThat(c.checkpointDir(true))
                .as("a cluster cannot reach this machine's disk")
                .isNull();
        c.checkpointDir = dir.resolve("ckpt").toString();
        assertThat(c.checkpointDir(true)).isEqualTo(dir.resolve("ckpt").toUri().toString());
        c.checkpointDir = "s3://bucket/tandem";
        assertThat(c.checkpointDir(false)).isEqualTo("s3://bucket/tandem");
    }
}
