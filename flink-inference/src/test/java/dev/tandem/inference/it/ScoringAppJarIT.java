package dev.tandem.inference.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar alone, without Flink: {@code java -cp <job jar> dev.tandem.inference.ScoringApp --help} prints the
 * options, bad arguments are one line and exit 2, and a good configuration gets as far as needing Flink, with one
 * line saying so. The jar holds no Flink runtime class, and its manifest names ScoringApp.
 */
class ScoringAppJarIT {
    @TempDir
    Path dir;

    record Result(int exit, String output) {}

    private Result run(String... args) throws Exception {
        Path log = Files.createTempFile(dir, "app", ".log");
        Process p = JobJar.scoringApp(List.of(JobJar.path().toString()), log, List.of(args))
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("ScoringApp %s ended", List.of(args))
                .isTrue();
        return new Result(p.exitValue(), Files.readString(log));
    }

    @Test
    @Timeout(180)
    void helpAndRefusalsNeedNoFlink() throws Exception {
        Result help = run("--help");
        assertThat(help.exit()).as(help.output()).isZero();
        assertThat(help.output())
                .startsWith("Usage: ScoringApp")
                .contains(
                        "--config",
                        "--set",
                        "--from-savepoint",
                        "--replay",
                        "scoring.checkpoint.dir",
                        "scoring.max.batch.rows");

        Result bad = run("--bogus");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output().strip()).isEqualTo("ScoringApp: Unknown option: '--bogus' (see --help)");

        Result badValue = run("--set", "scoring.max.wait=soon", "--set", "scoring.model.dir=/m/v1");
        assertThat(badValue.exit()).isEqualTo(2);
        assertThat(badValue.output().strip().lines())
                .containsExactly(
                        "ScoringApp: scoring.max.wait = 'soon': must be a duration (e.g. 250ms, 1.5s, 5m, 1h, 30d, PT30S)");

        Result noFlink = run("--set", "scoring.model.dir=" + dir, "--set", "kafka.ssl.key.password=s3cret");
        assertThat(noFlink.exit()).isEqualTo(1);
        assertThat(noFlink.output())
                .startsWith("tandem scoring configuration:")
                .contains("  kafka.ssl.key.password = ****")
                .doesNotContain("s3cret")
                .doesNotContain("\tat ");
        assertThat(noFlink.output()
                        .strip()
                        .lines()
                        .toList()
                        .get((int) noFlink.output().strip().lines().count() - 1))
                .startsWith("ScoringApp: Flink is not on the class path (org.apache.flink.");
    }

    @Test
    void theJarBundlesTheConnectorsAndTensorFlowButNotFlinkItself() throws Exception {
        try (JarFile jar = new JarFile(JobJar.path().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("dev.tandem.inference.ScoringApp");
            for (String bundled : List.of(
                    "dev/tandem/inference/ScoringApp.class",
                    "dev/tandem/inference/job/ScoringJob.class",
                    "dev/tandem/model/serving/TfSessionOptions.class",
                    "dev/tandem/schemas/Prediction.class",
                    "org/apache/flink/connector/kafka/source/KafkaSource.class",
                    "org/apache/flink/connector/base/DeliveryGuarantee.class",
                    "org/apache/flink/formats/avro/typeutils/AvroSerializer.class",
                    "org/apache/kafka/clients/producer/KafkaProducer.class",
                    "org/apache/avro/Schema.class",
                    "org/tensorflow/SavedModelBundle.class",
                    "org/tensorflow/internal/c_api/linux-x86_64/libtensorflow_cc.so.2",
                    "picocli/CommandLine.class")) {
                assertThat(jar.getEntry(bundled)).as(bundled).isNotNull();
            }
            for (String provided : List.of(
                    "org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class",
                    "org/apache/flink/api/common/JobID.class",
                    "org/apache/flink/runtime/minicluster/MiniCluster.class",
                    "org/apache/flink/client/program/PackagedProgram.class",
                    "org/slf4j/Logger.class",
                    "org/apache/kafka/streams/KafkaStreams.class")) {
                assertThat(jar.getEntry(provided)).as(provided).isNull();
            }
            assertThat(jar.stream()
                            .map(e -> e.getName())
                            .filter(n -> n.endsWith(".SF") || n.endsWith(".dylib") || n.endsWith(".dll")))
                    .isEmpty();
        }
    }
}
