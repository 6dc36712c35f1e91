package dev.tandem.platform.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.platform.chaos.ChaosSettings.Component;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short {@code tandem chaos}: the whole local pipeline as processes, two of them killed with SIGKILL mid-stream
 * (the broker and the scoring app, the two whose recovery is the least local), then the exact accounting. The
 * longer runs ({@code --rounds 10}) are in docs/reliability.md.
 */
class ChaosIT {
    @Test
    @Timeout(420)
    void twoKillsLoseDuplicateAndMismatchNothing() throws Exception {
        Path dir = Path.of("target", "chaos-it");
        dev.tandem.testkit.FileTrees.deleteQuietly(dir.resolve("run"));
        List<String> log = new ArrayList<>();
        ChaosSettings settings = new ChaosSettings(
                2,
                1,
                200,
                300,
                150,
                15,
                Duration.ofSeconds(3),
                Duration.ofSeconds(5),
                List.of(Component.BROKER, Component.SCORING),
                100,
                50,
                dir.resolve("run"),
                dir.resolve("models"),
                false);
        ChaosReport report = new ChaosRun(settings, log::add).run();
        report.writeJson(dir.resolve("chaos.json"));
        String context = String.join("\n", log) + "\n" + report.figures() + "\n" + report.examples();

        // exactness and recovery, not its speed: the 30 s bound is the command's (and docs/reliability.md's), a
        // figure of the machine it runs on
        assertThat(report.accountingFailures()).as(context).isEmpty();
        assertThat(report.kills())
                .extracting(ChaosRun.Kill::component)
                .as(context)
                .containsExactlyInAnyOrder(Component.BROKER, Component.SCORING);
        Map<String, Object> f = report.figures();
        // the accounting counted something: a run that moved nothing would pass the zero checks vacuously
        assertThat(((Number) f.get("requests")).longValue()).as(context).isGreaterThan(300);
        assertThat(((Number) f.get("features_expected")).longValue())
                .as(context)
                .isGreaterThan(3_000);
        assertThat(((Number) f.get("outcomes_final")).longValue()).as(context).isPositive();
        assertThat(((Number) f.get("dead_letters_expected")).longValue())
                .as(context)
                .isPositive();
        assertThat(Files.readString(dir.resolve("chaos.json"))).contains("\"recovery_p99_s\"");
    }
}
