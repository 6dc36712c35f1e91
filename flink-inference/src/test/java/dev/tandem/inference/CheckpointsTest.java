package dev.tandem.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.job.ScoringConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a restart resumes from, and the Flink settings that make checkpoints durable and retained. */
class CheckpointsTest {
    @TempDir
    Path dir;

    private Path checkpoint(String job, int id, Instant written) throws Exception {
        Path chk = Files.createDirectories(dir.resolve(job).resolve("chk-" + id));
        Path meta = Files.writeString(chk.resolve(Checkpoints.METADATA), "m");
        Files.setLastModifiedTime(meta, FileTime.from(written));
        return chk;
    }

    @Test
    void theNewestCompletedCheckpointAcrossJobsWins() throws Exception {
        assertThat(Checkpoints.latest(dir.resolve("not-yet").toUri().toString()))
                .isEmpty();
        assertThat(Checkpoints.latest(dir.toUri().toString())).isEmpty();

        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        checkpoint("job-a", 7, t);
        Path newest = checkpoint("job-b", 3, t.plusSeconds(60)); // a later run restored from job-a and went on
        checkpoint("job-a", 9, t.plusSeconds(30));
        Files.createDirectories(dir.resolve("job-b/chk-4")); // cut short by a kill -9: no _metadata
        Files.createDirectories(dir.resolve("job-b/shared"));
        Files.createDirectories(dir.resolve("job-b/taskowned"));

        assertThat(Checkpoints.latest(dir.toUri().toString()))
                .hasValueSatisfying(
                        p -> assertThat(Path.of(java.net.URI.create(p))).isEqualTo(newest));
        assertThat(Checkpoints.latest(dir.toString()))
                .hasValueSatisfying(p -> assertThat(p).endsWith("job-b/chk-3"));
    }

    @Test
    void aRestartResumesTheNewestCheckpointClaimedAndANamedSavepointUnclaimed() throws Exception {
        ScoringConfig noDir = ScoringConfig.defaults();
        assertThat(ScoringRunner.restore(noDir, null).fresh()).isTrue();
        assertThat(ScoringRunner.restore(noDir, null).describe())
                .startsWith("starting fresh (scoring.checkpoint.dir is not set");

        ScoringConfig withDir = ScoringConfig.builder()
                .checkpointDir(dir.toUri().toString())
                .parallelism(2)
                .set("flink.pipeline.name", "x")
                .build();
        assertThat(ScoringRunner.restore(withDir, null).describe())
                .startsWith("starting fresh (no completed checkpoint in file:");
        Path chk = checkpoint("job-a", 2, Instant.now());
        ScoringRunner.Restore resume = ScoringRunner.restore(withDir, null);
        assertThat(resume.path()).endsWith("job-a/chk-2");
        assertThat(resume.claimed()).isTrue();
        assertThat(resume.describe()).startsWith("resuming from ").contains("the newest completed checkpoint in");
        ScoringRunner.Restore named = ScoringRunner.restore(withDir, "file:///savepoints/sp-1");
        assertThat(named.path()).isEqualTo("file:///savepoints/sp-1");
        assertThat(named.claimed()).isFalse();

        Configuration conf = ScoringRunner.flinkConfiguration(withDir, resume);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo(dir.toUri().toString());
        assertThat(conf.get(CheckpointingOptions.CHECKPOINT_STORAGE)).isEqualTo("filesystem");
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo(resume.path())
                .contains(chk.getFileName().toString());
        assertThat(conf.get(StateRecoveryOptions.RESTORE_MODE)).isEqualTo(RecoveryClaimMode.CLAIM);
        assertThat(conf.toMap()).containsEntry("pipeline.name", "x").containsEntry("parallelism.default", "2");
        assertThat(conf.toMap()).containsEntry(ScoringRunner.ROCKSDB_BLOOM_FILTER_KEY, "true");
        ScoringConfig bloomOff = ScoringConfig.builder()
                .set("flink." + ScoringRunner.ROCKSDB_BLOOM_FILTER_KEY, "false")
                .build();
        assertThat(ScoringRunner.flinkConfiguration(bloomOff, resume).toMap())
                .containsEntry(ScoringRunner.ROCKSDB_BLOOM_FILTER_KEY, "false");
        assertThat(ScoringRunner.flinkConfiguration(withDir, named).get(StateRecoveryOptions.RESTORE_MODE))
                .isEqualTo(RecoveryClaimMode.NO_CLAIM);
        assertThat(ScoringRunner.flinkConfiguration(noDir, ScoringRunner.restore(noDir, null))
                        .getOptional(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEmpty();
    }
}
