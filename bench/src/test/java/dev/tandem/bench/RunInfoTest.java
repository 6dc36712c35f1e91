package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunInfoTest {
    @TempDir
    Path dir;

    @Test
    void describesTheMachineAndItsLoadAtStartAndEnd() {
        RunInfo run = RunInfo.begin(dir).end();

        assertThat(run.machine()).containsKeys("cores", "os", "java", "cpu_model");
        assertThat(((Number) run.machine().get("cores")).intValue()).isPositive();
        assertThat(run.machine().get("java").toString()).startsWith(System.getProperty("java.version"));
        assertThat(run.started()).isNotNull();
        assertThat(run.finished()).isAfterOrEqualTo(run.started());
        if (Files.isReadable(Path.of("/proc/loadavg"))) {
            assertThat(run.loadStart()).containsOnlyKeys("1m", "5m", "15m");
            assertThat(run.loadEnd()).containsOnlyKeys("1m", "5m", "15m");
        }
        if (Files.isReadable(Path.of("/proc/cpuinfo")))
            assertThat(run.machine().get("cpu_model")).isNotEqualTo(RunInfo.UNKNOWN);
        assertThat(run.toJson().get("load_average_end")).isEqualTo(run.loadEnd());
    }

    @Test
    void outsideAGitCheckoutTheCommitIsUnknown() {
        RunInfo run = RunInfo.begin(dir);

        assertThat(run.commit()).isEqualTo(RunInfo.UNKNOWN);
        assertThat(run.dirty()).isNull();
        assertThat(run.checkout()).isNull();
    }

    @Test
    void inACheckoutTheShortCommitAndWhetherTrackedFilesChanged() throws Exception {
        assumeTrue(git("init", "-q") == 0, "git is not installed");
        Files.writeString(dir.resolve("a.txt"), "one");
        assertThat(git("add", "a.txt")).isZero();
        assertThat(git("-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-q", "-m", "one"))
                .isZero();

        RunInfo clean = RunInfo.begin(dir);
        Files.writeString(dir.resolve("untracked.json"), "{}");
        RunInfo untracked = RunInfo.begin(dir);
        Files.writeString(dir.resolve("a.txt"), "two");
        RunInfo changed = RunInfo.begin(dir);

        assertThat(clean.commit()).matches("[0-9a-f]{7,}");
        assertThat(clean.dirty()).isFalse();
        assertThat(clean.checkout().toRealPath()).isEqualTo(dir.toRealPath());
        assertThat(untracked.dirty())
                .as("a kept run's JSON does not make the tree dirty")
                .isFalse();
        assertThat(changed.dirty()).isTrue();
        assertThat(changed.commit()).isEqualTo(clean.commit());
    }

    private int git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
