package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class DemoIT {
    @TempDir
    Path models;

    @Test
    @Timeout(180)
    void demoRunsEndToEndAndLeavesNothingBehind() throws IOException {
        Set<Path> tempBefore = demoDirs();

        CliRun r = CliRun.run("demo", "--events", "2000", "--models", models.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("cluster up in")
                .contains("  event: key=")
                .contains("done: produced 2,000, consumed 2,000 events")
                .contains("demo finished")
                .contains("features app started")
                .containsPattern("features app processed [\\d,]+ events")
                // at least one user's live features, fetched through the HTTP API
                .containsPattern(
                        "  user \\S+: sequence version [1-9]\\d*, [1-9]\\d* events kept, as of .*\\(GET http://127\\.0\\.0\\.1:\\d+/v1/users/\\S+/features\\)")
                .doesNotContain("→ HTTP ")
                // scoring: a model trained on the demo's events, the Flink job, one prediction per request with its
                // latency
                .containsPattern("trained model demo/\\S+ .* on [\\d,]+ exposures")
                // the probe-based wait saw the job read every partition, so the busiest users are scored with their
                // features
                .containsPattern("scoring job started \\(.*\\) and read all of 'user-features' in [\\d.]+ s")
                .containsPattern(
                        "  prediction demo-\\S+ for user \\S+: 8 candidates, model demo/\\S+, features as of \\S+, latency \\d+ ms; top:")
                .doesNotContain("tandem-probe-");
        assertThat(r.out().lines().filter(l -> l.startsWith("  prediction demo-")))
                .hasSize(5)
                .noneMatch(l -> l.contains("features as of none"));
        // serving: the JDBC sink into SQLite holds each user's newest prediction (the stage checks it is the one the
        // scoring stage read as newest, and fails otherwise), one of the swap's requests; the API answers with it,
        // ranked
        assertThat(r.out())
                .containsPattern("Kafka Connect worker \\(in this JVM\\) runs the JDBC sink from 'predictions'; the"
                        + " store \\(SQLite \\S+serving\\.db\\) holds the newest prediction of all 5 scored users");
        assertThat(r.out().lines().filter(l -> l.startsWith("  GET /v1/users/")))
                .hasSize(3)
                .allMatch(l -> l.matches("  GET /v1/users/(\\S+)/recommendations\\?k=3 → request swap-\\d+-\\1, model"
                        + " demo/\\S+, ranked by probability:PURCHASE, \\d+ ms old:(  \\S+ \\(P\\(cart\\) 0\\.\\d{3},"
                        + " P\\(purchase\\) 0\\.\\d{3}\\)){3}"));
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(ProcessHandle.current()
                                .descendants()
                                .map(p -> p.pid() + " " + p.info().commandLine().orElse("")))
                        .as("child processes")
                        .isEmpty());
        assertThat(demoDirs()).as("demo temp dirs").isEqualTo(tempBefore);
    }

    /**
     * {@code --secure}: the broker has only a SASL_SSL listener and enforces ACLs, so every stage gets through only
     * with its own principal's credentials and grants (a stage left plaintext, or under a principal without its
     * topic's or group's ACL, fails the run).
     */
    @Test
    @Timeout(180)
    void demoRunsSecuredWithAPrincipalPerStage() throws IOException {
        Set<Path> tempBefore = demoDirs();

        CliRun r = CliRun.run("demo", "--secure", "--events", "2000", "--models", models.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("(child JVM, TLS + SASL/SCRAM + ACLs)")
                .contains("secured: SASL_SSL")
                .containsPattern("schema registry https://127\\.0\\.0\\.1:\\d+")
                // the HTTP APIs on TLS with a token: the demo's own calls to them get through only with both
                .containsPattern("\\(GET https://127\\.0\\.0\\.1:\\d+/v1/users/\\S+/features\\)")
                .containsPattern("recommendations API on https://127\\.0\\.0\\.1:\\d+ answers")
                .containsPattern("  its REST API: https://127\\.0\\.0\\.1:\\d+/")
                .contains("done: produced 2,000, consumed 2,000 events")
                .containsPattern("features app processed [\\d,]+ events")
                .containsPattern("scoring job started \\(.*\\) and read all of 'user-features' in [\\d.]+ s")
                .containsPattern(
                        "swap done: \\d+ requests sent during the swap, \\d+ predictions \\(none lost, none twice\\)")
                .containsPattern(
                        "the store \\(SQLite \\S+serving\\.db\\) holds the newest prediction of all 5 scored users")
                .contains("demo finished")
                .doesNotContain("→ HTTP ");
        assertThat(r.out().lines().filter(l -> l.startsWith("  prediction demo-")))
                .hasSize(5);
        assertThat(r.out().lines().filter(l -> l.startsWith("  GET /v1/users/")))
                .hasSize(3);
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(
                        () -> assertThat(ProcessHandle.current().descendants().count())
                                .as("child processes")
                                .isZero());
        assertThat(demoDirs()).as("demo temp dirs").isEqualTo(tempBefore);
    }

    private static Set<Path> demoDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("tandem-demo-"))
                    .collect(Collectors.toSet());
        }
    }
}
