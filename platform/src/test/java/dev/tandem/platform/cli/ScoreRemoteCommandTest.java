package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.platform.scoring.LocalScoring;
import dev.tandem.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem score --jobmanager} and the GPU options: wiring and one-line refusals, with no Flink cluster and no Kafka. */
@Timeout(60)
class ScoreRemoteCommandTest {
    @TempDir
    Path dir;

    String models;

    @BeforeEach
    void aModelDirThatResolves() throws IOException {
        FeatureSpec.defaults().write(Files.createDirectories(dir.resolve("models/m/v1")));
        models = dir.resolve("models").toString();
    }

    @Test
    void aBadJobManagerAddressOrAJarWithoutOneIsAUsageError() {
        for (String[] args : new String[][] {
            {"score", "--models", models, "--jobmanager", "localhost"},
            {"score", "--models", models, "--jobmanager", "localhost:0"},
            {"score", "--models", models, "--jobmanager", ":8081"},
            {"score", "--models", models, "--jobmanager", "localhost:http"},
            {"score", "--models", models, "--job-jar", "job.jar"},
            {"score", "--models", models, "--gpu-visible-devices", "cuda:0"}
        }) {
            CliRun r = CliRun.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.errLines()).as(String.join(" ", args)).hasSize(1);
            assertThat(r.err())
                    .startsWith("tandem: ")
                    .containsAnyOf("--jobmanager", "--job-jar", "--gpu-visible-devices")
                    .doesNotContain("Exception");
        }
        assertThat(LocalScoring.JobManager.parse("flink-jm.example:8081"))
                .isEqualTo(new LocalScoring.JobManager("flink-jm.example", 8081));
    }

    @Test
    void anUnreachableJobManagerIsOneLineAtOnce() {
        int port = LoopbackPorts.freePort();
        long start = System.nanoTime();
        CliRun r = CliRun.run("score", "--models", models, "--jobmanager", "127.0.0.1:" + port);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .startsWith("tandem: cannot reach the Flink JobManager at 127.0.0.1:" + port)
                .contains("REST port");
    }

    @Test
    void somethingThatIsNotFlinkIsRefusedAndFlinkIsRecognised() throws IOException {
        byte[] config = "{\"refresh-interval\":3000,\"flink-version\":\"2.2.0\",\"flink-revision\":\"x\"}"
                .getBytes(StandardCharsets.UTF_8);
        HttpServer flink = server(config);
        HttpServer other = server(null);
        try {
            String flinkAddress = LoopbackPorts.HOST + ":" + flink.getAddress().getPort();
            assertThat(LocalScoring.flinkVersion(LocalScoring.JobManager.parse(flinkAddress), Duration.ofSeconds(3)))
                    .isEqualTo("2.2.0");

            String otherAddress = LoopbackPorts.HOST + ":" + other.getAddress().getPort();
            CliRun r = CliRun.run("score", "--models", models, "--jobmanager", otherAddress);
            assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err())
                    .contains(otherAddress
                            + " answers, but not as a Flink JobManager's REST API (GET /config: HTTP 404)");
        } finally {
            flink.stop(0);
            other.stop(0);
        }
    }

    /** A loopback HTTP server answering {@code GET /config} with {@code body}, or 404 everywhere when null. */
    private static HttpServer server(byte[] body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LoopbackPorts.HOST, 0), 0);
        server.createContext("/", ex -> {
            boolean answer = body != null && ex.getRequestURI().getPath().equals("/config");
            ex.sendResponseHeaders(answer ? 200 : 404, answer ? body.length : -1);
            if (answer) ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }
}
