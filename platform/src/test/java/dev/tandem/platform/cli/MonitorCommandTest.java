package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.monitoring.MonitoringConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem monitor} refusals and settings: all before a cluster, an app or TensorFlow starts, so fast. */
class MonitorCommandTest {
    @TempDir
    Path dir;

    @Test
    void aReplayNeedsAModelDirectoryAndTakesNoLiveOptions() throws IOException {
        Path data = Files.writeString(dir.resolve("log.csv"), "1,2,3,pv,1511848894\n");
        CliRun noModel = CliRun.run("monitor", "--data", data.toString(), "--format", "taobao");
        assertThat(noModel.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noModel.err()).contains("--data needs --model DIR");

        CliRun notAModel =
                CliRun.run("monitor", "--data", data.toString(), "--format", "taobao", "--model", dir.toString());
        assertThat(notAModel.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(notAModel.err()).contains("not a model directory");

        CliRun live =
                CliRun.run("monitor", "--data", data.toString(), "--format", "taobao", "--state-dir", dir.toString());
        assertThat(live.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(live.errLines()).hasSize(1);
        assertThat(live.err()).contains("--state-dir applies to the live app, not to --data");
    }

    @Test
    void theLiveAppTakesNoReplayOptions() {
        CliRun r = CliRun.run("monitor", "--json", dir.resolve("x.json").toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--json applies with --data (a replay) only");
    }

    @Test
    void optionsGivenOnTheLineWinOverTheConfigFile() throws IOException {
        Path file = Files.writeString(dir.resolve("m.properties"), "bootstrap.servers=far:9092\nhttp.port=9000\n");
        var sub = TandemCli.commandLine()
                .parseArgs("monitor", "--config", file.toString(), "--http-port", "0", "--horizon", "2h")
                .subcommand()
                .commandSpec()
                .commandLine();
        MonitorCommand parsed = sub.getCommand();
        MonitoringConfig c = parsed.config(sub);
        assertThat(c.bootstrapServers()).as("--bootstrap not given: the file's").isEqualTo("far:9092");
        assertThat(c.httpPort()).isZero();
        assertThat(c.options().funnel().horizon()).isEqualTo(Duration.ofHours(2));
    }
}
