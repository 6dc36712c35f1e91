package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./tandem} script's environment for the JVM it starts, seen by a stand-in {@code java} ({@code JAVA_HOME}
 * pointing at a script that prints what it got). An IT: the script wants {@code platform/target/lib}, which
 * {@code package} fills.
 */
@Timeout(60)
class TandemScriptIT {
    private static final Path SCRIPT = Path.of("..", "tandem").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** TensorFlow's native INFO lines are off unless --verbose, and a level the user set is kept. */
    @Test
    void tensorflowNativeLoggingIsQuietUnlessVerbose() throws Exception {
        Path javaHome = fakeJavaHome();

        assertThat(run(javaHome, Map.of(), "train", "--help")).contains("TF_CPP_MIN_LOG_LEVEL=2", "args=train --help");
        assertThat(run(javaHome, Map.of(), "--verbose", "train", "--help")).contains("TF_CPP_MIN_LOG_LEVEL=unset");
        assertThat(run(javaHome, Map.of(), "train", "-v", "--help")).contains("TF_CPP_MIN_LOG_LEVEL=unset");
        assertThat(run(javaHome, Map.of(), "replay", "--", "--verbose"))
                .as("after --, an argument is not an option")
                .contains("TF_CPP_MIN_LOG_LEVEL=2");
        assertThat(run(javaHome, Map.of("TF_CPP_MIN_LOG_LEVEL", "0"), "train", "--help"))
                .contains("TF_CPP_MIN_LOG_LEVEL=0");
    }

    private Path fakeJavaHome() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jdk").resolve("bin"));
        Path java = bin.resolve("java");
        // the class name is followed by the CLI's arguments: print those and the variable
        Files.writeString(java, """
                #!/usr/bin/env bash
                while [ "$#" -gt 0 ] && [ "$1" != dev.tandem.platform.cli.TandemCli ]; do shift; done
                shift
                echo "TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL-unset}"
                echo "args=$*"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin.getParent();
    }

    private String run(Path javaHome, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("TF_CPP_MIN_LOG_LEVEL"); // the test JVM's own (the build sets one)
        pb.environment().putAll(env);
        pb.environment().put("TANDEM_NO_BUILD", "1");
        pb.environment().put("JAVA_HOME", javaHome.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
