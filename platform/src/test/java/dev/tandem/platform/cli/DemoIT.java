package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.generator.GeneratorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        assertMonitoringAgreesWithOfflineEvaluation(r.out());
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
                .doesNotContain("→ HTTP ")
                // the monitoring app under its own principal, the exposures' predictions under the scoring job's
                .containsPattern("monitoring app drained at the end of the log in [\\d.]+ s")
                .containsPattern(
                        "  monitoring metrics \\(AUC, ECE, PSI per stage\\): https://127\\.0\\.0\\.1:\\d+/metrics");
        assertThat(finalFigures(r.out())).containsOnlyKeys(STAGES);
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

    /**
     * The demo's online figures (the monitoring app over the validation exposures) against {@code tandem evaluate} of
     * the same model on the same log (regenerated: the demo's defaults, 2,000 events): the same exposures and labels
     * (positives and evaluated equal), the same scores (ECE equal to the printed digits), AUCs within 0.005 (the
     * monitoring app's histogram ties).
     */
    private void assertMonitoringAgreesWithOfflineEvaluation(String out) throws IOException {
        assertThat(out)
                .contains("monitoring app started")
                .containsPattern(
                        "  scored [\\d,]+ exposures with the features just before each \\([\\d,]+ user-features"
                                + " records read\\) of the validation split, to 'predictions-shadow'")
                .containsPattern(
                        "  monitoring metrics \\(AUC, ECE, PSI per stage\\): http://127\\.0\\.0\\.1:\\d+/metrics")
                .doesNotContain("monitoring skipped");
        // live lines as labels arrive: both classes there for each stage, at least once, before the final figures
        List<String> lines = out.lines().toList();
        int drained = lines.indexOf(lines.stream()
                .filter(l -> l.startsWith("monitoring app drained at the end of the log"))
                .findFirst()
                .orElseThrow());
        for (String stage : STAGES) {
            assertThat(lines.subList(0, drained))
                    .as("live lines of %s", stage)
                    .anyMatch(l -> l.matches("  monitoring live: " + stage
                            + " +AUC 0\\.\\d{4}  ECE 0\\.\\d{4}  \\([1-9][\\d,]* positives, [1-9][\\d,]* negatives so"
                            + " far\\)"));
        }
        Map<String, Figures> online = finalFigures(out);
        assertThat(online).containsOnlyKeys(STAGES);

        Path events =
                OfflineEvaluation.writeEvents(GeneratorConfig.of(500, 2000, 2000, 42), models.resolve("events.jsonl"));
        Path model;
        try (Stream<Path> versions = Files.list(models.resolve("demo"))) {
            // the version the scoring job starts with, not the one it swaps to
            model = versions.filter(p -> !p.getFileName().toString().endsWith("-b"))
                    .findFirst()
                    .orElseThrow();
        }
        // the horizon the model was trained with: its card's, as the demo's monitoring uses
        JsonNode offline = OfflineEvaluation.stages(model, events, models.resolve("evaluate.json"));
        for (String stage : STAGES) {
            JsonNode x = offline.path(stage);
            Figures o = online.get(stage);
            assertThat(o.positives())
                    .as(stage)
                    .isPositive()
                    .isEqualTo(x.path("positives").asLong());
            assertThat(o.evaluated()).as(stage).isEqualTo(x.path("evaluated").asLong());
            assertThat(o.auc()).as(stage).isCloseTo(x.path("auc").asDouble(), within(0.005));
            assertThat(o.ece()).as(stage).isCloseTo(x.path("ece").asDouble(), within(0.0001));
            // a number, not n/a: the app found the model card's drift reference (model.cards)
            assertThat(o.psi()).as("%s: score PSI", stage).isNotNegative();
        }
    }

    private static final List<String> STAGES = List.of("CART", "PURCHASE");

    private static final Pattern FINAL =
            Pattern.compile("  (\\S+) +AUC (\\d\\.\\d{4}) \\(card \\S+\\)  ECE (\\d\\.\\d{4})"
                    + " \\(card \\S+\\)  log loss \\d\\.\\d{4} \\(card \\S+\\)  positives ([\\d,]+) of ([\\d,]+) \\(card [\\d,]+ of"
                    + " [\\d,]+\\)  score PSI (\\d\\.\\d{4})");

    private record Figures(double auc, double ece, long positives, long evaluated, double psi) {}

    /** The final per-stage lines printed after the drain. */
    private static Map<String, Figures> finalFigures(String out) {
        Map<String, Figures> figures = new LinkedHashMap<>();
        out.lines().dropWhile(l -> !l.startsWith("monitoring app drained")).forEach(l -> {
            Matcher m = FINAL.matcher(l);
            if (m.matches()) {
                figures.put(
                        m.group(1),
                        new Figures(
                                Double.parseDouble(m.group(2)),
                                Double.parseDouble(m.group(3)),
                                Long.parseLong(m.group(4).replace(",", "")),
                                Long.parseLong(m.group(5).replace(",", "")),
                                Double.parseDouble(m.group(6))));
            }
        });
        return figures;
    }

    private static Set<Path> demoDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("tandem-demo-"))
                    .collect(Collectors.toSet());
        }
    }
}
