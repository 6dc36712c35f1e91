package dev.tandem.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The alert rules load and their unit tests pass in {@code promtool}, where it is installed. */
public class PromtoolRulesTest {
    static final Path RULES = Path.of("alerts/tandem-monitoring-rules.yml");
    static final Path RULE_TESTS = Path.of("alerts/tests/tandem-monitoring-rules-test.yml");

    public static Optional<Path> promtool() {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "promtool");
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    public static String run(Path promtool, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue())
                .as("promtool %s:%n%s", String.join(" ", args), out)
                .isZero();
        return out;
    }

    @Test
    void rulesLoadAndTheirUnitTestsPass() throws Exception {
        Optional<Path> promtool = promtool();
        assumeTrue(promtool.isPresent(), "promtool not on PATH; Debian's prometheus package provides it");
        assertThat(run(promtool.get(), "check", "rules", RULES.toString())).contains("SUCCESS");
        assertThat(run(promtool.get(), "test", "rules", RULE_TESTS.toString())).contains("SUCCESS");
    }
}
