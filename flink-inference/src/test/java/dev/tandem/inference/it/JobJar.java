package dev.tandem.inference.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The job jar built by this module's {@code package} ({@code target/*-job.jar}), started as a child JVM the way a
 * Flink distribution would run it: the jar plus Flink's own jars (this module's provided scope, written to
 * {@code target/flink-provided.classpath} by the build) and the logging jars a distribution's {@code lib/} holds.
 */
final class JobJar {
    static final Path TARGET = Path.of("target");

    private JobJar() {}

    static Path path() throws IOException {
        try (Stream<Path> s = Files.list(TARGET)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().endsWith("-job.jar"))
                    .toList();
            assertThat(jars)
                    .as("the job jar in %s (built by `package`, unless -Dtandem.skipJobJar)", TARGET.toAbsolutePath())
                    .hasSize(1);
            // -Dtandem.skipJobJar leaves the last jar behind: testing it would test other code
            Path app = TARGET.resolve("classes/dev/tandem/inference/ScoringApp.class");
            assertThat(Files.getLastModifiedTime(jars.get(0)))
                    .as("%s is older than the classes (built with -Dtandem.skipJobJar?)", jars.get(0))
                    .isGreaterThanOrEqualTo(Files.getLastModifiedTime(app));
            return jars.get(0);
        }
    }

    /** Flink's jars, as {@code lib/} of a distribution would give them, plus slf4j and log4j from this JVM's class path. */
    static List<String> flinkLib() throws IOException {
        List<String> cp = new ArrayList<>(
                List.of(Files.readString(TARGET.resolve("flink-provided.classpath"), StandardCharsets.UTF_8)
                        .trim()
                        .split(File.pathSeparator)));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.startsWith("slf4j-api-")
                    || name.startsWith("log4j-api-")
                    || name.startsWith("log4j-core-")
                    || name.startsWith("log4j-slf4j2-impl-")) {
                cp.add(e);
            }
        }
        return cp;
    }

    /** {@code java [jvmArgs] -cp <classPath> dev.tandem.inference.ScoringApp args}, stdout and stderr to {@code log}. */
    static ProcessBuilder scoringApp(List<String> classPath, Path log, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m",
                "-XX:+UseSerialGC",
                // a test's app lives for seconds: C1 alone starts it sooner, and leaves the cores to the app and broker
                "-XX:TieredStopAtLevel=1",
                "-Dorg.bytedeco.javacpp.cachedir="
                        + System.getProperty(
                                "org.bytedeco.javacpp.cachedir",
                                Path.of(System.getProperty("user.home"), ".javacpp", "cache")
                                        .toString()),
                "-Dlog4j2.configurationFile="
                        + Path.of("src/test/resources/log4j2-test.properties").toAbsolutePath(),
                "-cp",
                String.join(File.pathSeparator, classPath),
                "dev.tandem.inference.ScoringApp"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        // the app reads TANDEM_* variables: the test's own environment must not leak settings into it
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
        return pb;
    }
}
