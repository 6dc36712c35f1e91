package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem train} then {@code tandem evaluate} on small generated files. */
class ModelCommandsIT {
    @TempDir
    Path dir;

    /** {@code tandem train} of a generated file into {@code models/tiny/<version>}, horizon 10m. */
    private static CliRun train(Path events, Path config, Path models, String version, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "train",
                "--data",
                events.toString(),
                "--format",
                "events",
                "--config",
                config.toString(),
                "--out",
                models.toString(),
                "--name",
                "tiny",
                "--version",
                version,
                "--horizon",
                "10m"));
        args.addAll(List.of(more));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void trainsATinyModelAndEvaluatesIt() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Path truth = dir.resolve("truth.csv");
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(200, 1_000, 8_000, 5));
        try (EventFileWriter w = new EventFileWriter(events, EventFileFormat.EVENTS, truth)) {
            for (Iterator<dev.tandem.datasets.generator.GeneratedEvent> it = world.events(); it.hasNext(); )
                w.write(it.next());
        }
        Path config = Files.writeString(
                dir.resolve("model.json"),
                "{\"architecture\": \"mmoe\", \"sequenceEncoder\": \"target_attention\", \"embeddingDim\": 8, \"hidden\": [32], \"towerHidden\": [16],"
                        + " \"epochs\": 2, \"batchSize\": 128, \"learningRate\": 0.005}");
        Path models = dir.resolve("models");

        CliRun train = train(events, config, models, "v1", "--truth", truth.toString());

        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).contains("epoch 1/2", "CART", "PURCHASE", "ceiling", "model written to");
        Path modelDir = models.resolve("tiny").resolve("v1");
        JsonNode card =
                new ObjectMapper().readTree(modelDir.resolve("model-card.json").toFile());
        assertThat(card.path("stages").path("PURCHASE").path("positives").asLong())
                .isPositive();
        assertThat(card.path("baselines")
                        .path("logistic_regression")
                        .path("CART")
                        .path("auc")
                        .isNumber())
                .as(card.toString())
                .isTrue();
        assertThat(card.path("ceiling").path("CART").path("auc").asDouble()).isBetween(0.5, 1.0);
        // the configured model against its linear part, the better kept
        JsonNode selection = card.path("selection");
        assertThat(selection.path("candidates")).hasSize(2);
        assertThat(selection.path("kept").asText()).isIn("linear part", "configured");
        assertThat(train.out()).contains("candidate 1/2: linear part", "kept: ");

        // --search within a budget the first candidate already spends: the rest are listed, not trained
        CliRun search = train(events, config, models, "searched", "--search", "--budget", "1ms");
        assertThat(search.exitCode()).as(search.err()).isZero();
        JsonNode searched = new ObjectMapper()
                .readTree(models.resolve("tiny")
                        .resolve("searched")
                        .resolve("model-card.json")
                        .toFile())
                .path("selection");
        assertThat(searched.path("candidates")).hasSize(1);
        assertThat(searched.path("kept").asText()).isEqualTo("linear part");
        assertThat(searched.path("not_tried_budget_spent").toString()).contains("configured", "field attention");

        Path json = dir.resolve("eval.json");
        assertThat(card.path("funnel").path("horizon_ms").asLong()).isEqualTo(600_000L);
        // no --horizon: the one the model was trained with, from its card
        CliRun eval = evaluate(modelDir, events, "events", "--truth", truth.toString(), "--json", json.toString());

        System.out.println(train.out());
        System.out.println(eval.out());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("AUC", "logloss", "ECE", "positives", "popularity", "logistic", "ceiling");
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        for (String stage : new String[] {"CART", "PURCHASE"}) {
            JsonNode s = figures.path("stages").path(stage);
            assertThat(s.path("auc").asDouble()).as(stage).isGreaterThan(0.6);
            assertThat(s.path("logloss").isNumber()).isTrue();
            assertThat(s.path("ece").isNumber()).isTrue();
            assertThat(s.path("positives").asLong()).isPositive();
            assertThat(figures.path("baselines")
                            .path("popularity")
                            .path(stage)
                            .path("auc")
                            .isNumber())
                    .isTrue();
            assertThat(figures.path("ceiling").path(stage).path("auc").asDouble())
                    .isGreaterThan(s.path("auc").asDouble() - 0.05);
            // the exported model, scored on the same validation rows, reproduces the card
            assertThat(s.path("auc").asDouble())
                    .isCloseTo(
                            card.path("stages").path(stage).path("auc").asDouble(),
                            org.assertj.core.data.Offset.offset(1e-4));
        }

        CliRun wrongTruth = evaluate(
                modelDir,
                events,
                "events",
                "--horizon",
                "10m",
                "--truth",
                Files.writeString(dir.resolve("t2.csv"), EventFileWriter.TRUTH_HEADER + "\n")
                        .toString());
        assertThat(wrongTruth.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(wrongTruth.errLines()).hasSize(1);
        assertThat(wrongTruth.err()).contains("the truth has no probabilities for");

        // a horizon longer than the data: every validation negative censored → a warning, AUC n/a, not a crash
        CliRun censored = evaluate(modelDir, events, "events", "--horizon", "24h");
        assertThat(censored.exitCode()).as(censored.err()).isZero();
        assertThat(censored.err()).contains("warning: every validation negative of CART is censored");
        assertThat(censored.out()).contains("n/a");
    }

    /**
     * A REES46 export whose last line was cut off mid-write: train and evaluate report the line, as {@code tandem replay}
     * does, and use the rest of the file; with {@code --strict} the cut line fails the command.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aLogWhoseLastLineIsCutOffTrainsAndEvaluatesReportingTheLine() throws Exception {
        DateTimeFormatter time =
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
        StringBuilder csv = new StringBuilder(
                "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n");
        int lines = 1;
        for (Iterator<GeneratedEvent> it = SyntheticWorld.create(GeneratorConfig.of(200, 1_000, 8_000, 7))
                        .events();
                it.hasNext(); ) {
            GeneratedEvent e = it.next();
            String type = switch (e.action()) {
                case VIEW -> "view";
                case CART -> "cart";
                case PURCHASE -> "purchase";
                default -> null; // REES46 has no other event types
            };
            if (type == null) continue;
            csv.append(time.format(Instant.ofEpochMilli(e.eventTimeMillis())))
                    .append(',')
                    .append(type)
                    .append(',')
                    .append(e.itemId())
                    .append(',')
                    .append(e.categoryId())
                    .append(",,,")
                    .append(String.format(Locale.ROOT, "%.2f", e.price()))
                    .append(',')
                    .append(e.userId())
                    .append(',')
                    .append('\n');
            lines++;
        }
        String last = csv.substring(csv.lastIndexOf("\n", csv.length() - 2) + 1);
        csv.append(last, 0, 30); // the next line, cut off after the product id's first digits
        Path cut = Files.writeString(dir.resolve("rees46-cut.csv"), csv.toString());
        Path config = Files.writeString(
                dir.resolve("model.json"),
                "{\"architecture\": \"mmoe\", \"embeddingDim\": 8, \"hidden\": [16], \"towerHidden\": [8], \"epochs\": 1, \"batchSize\": 256}");
        Path models = dir.resolve("models");
        String cutLine = "malformed line " + (lines + 1)
                + ": last line is cut off (no newline at end of file): expected 9 fields, got ";

        CliRun train = CliRun.run(
                "train",
                "--data",
                cut.toString(),
                "--format",
                "rees46",
                "--horizon",
                "5m",
                "--config",
                config.toString(),
                "--out",
                models.toString(),
                "--name",
                "cut",
                "--version",
                "v1");

        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.err())
                .contains(cutLine)
                .contains("read rees46-cut.csv: "
                        + String.format(
                                Locale.ROOT, "%,d rows, %,d events, 1 malformed lines skipped", lines, lines - 1));
        assertThat(train.out())
                .contains("data: " + String.format(Locale.ROOT, "%,d events", lines - 1), "model written to");

        Path model = models.resolve("cut").resolve("v1");
        CliRun eval = evaluate(model, cut, "rees46");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.err()).contains(cutLine);
        assertThat(eval.out()).contains("AUC");

        CliRun strict = evaluate(model, cut, "rees46", "--strict");
        assertThat(strict.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(strict.errLines()).hasSize(1);
        assertThat(strict.err()).startsWith("tandem: malformed data: " + cutLine);
    }

    /** {@code tandem evaluate --model MODEL --data DATA --format FORMAT} and {@code more}. */
    private static CliRun evaluate(Path model, Path data, String format, String... more) {
        List<String> args = new ArrayList<>(
                List.of("evaluate", "--model", model.toString(), "--data", data.toString(), "--format", format));
        args.addAll(List.of(more));
        return CliRun.run(args.toArray(String[]::new));
    }
}
