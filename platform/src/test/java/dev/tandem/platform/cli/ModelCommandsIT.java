package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem train} then {@code tandem evaluate} on a small generated file with its truth. */
class ModelCommandsIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void trainsATinyModelAndEvaluatesIt() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Path truth = dir.resolve("truth.csv");
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(200, 1_000, 8_000, 5));
        try (EventFileWriter w = new EventFileWriter(events, EventFileFormat.EVENTS, truth)) {
            for (Iterator<dev.tandem.datasets.generator.GeneratedEvent> it = world.events(); it.hasNext(); ) w.write(it.next());
        }
        Path config = Files.writeString(dir.resolve("model.json"),
                "{\"architecture\": \"mmoe\", \"sequenceEncoder\": \"target_attention\", \"embeddingDim\": 8, \"hidden\": [32], \"towerHidden\": [16],"
                        + " \"epochs\": 2, \"batchSize\": 128, \"learningRate\": 0.005}");
        Path models = dir.resolve("models");

        CliRun train = CliRun.run("train", "--data", events.toString(), "--format", "events", "--config", config.toString(),
                "--out", models.toString(), "--name", "tiny", "--version", "v1", "--horizon", "10m", "--truth", truth.toString());

        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).contains("epoch 1/2", "CART", "PURCHASE", "ceiling", "model written to");
        Path modelDir = models.resolve("tiny").resolve("v1");
        JsonNode card = new ObjectMapper().readTree(modelDir.resolve("model-card.json").toFile());
        assertThat(card.path("stages").path("PURCHASE").path("positives").asLong()).isPositive();
        assertThat(card.path("baselines").path("logistic_regression").path("CART").path("auc").isNumber()).as(card.toString()).isTrue();
        assertThat(card.path("ceiling").path("CART").path("auc").asDouble()).isBetween(0.5, 1.0);

        Path json = dir.resolve("eval.json");
        assertThat(card.path("funnel").path("horizon_ms").asLong()).isEqualTo(600_000L);
        // no --horizon: the one the model was trained with, from its card
        CliRun eval = CliRun.run("evaluate", "--model", modelDir.toString(), "--data", events.toString(), "--format", "events",
                "--truth", truth.toString(), "--json", json.toString());

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
            assertThat(figures.path("baselines").path("popularity").path(stage).path("auc").isNumber()).isTrue();
            assertThat(figures.path("ceiling").path(stage).path("auc").asDouble()).isGreaterThan(s.path("auc").asDouble() - 0.05);
            // the exported model, scored on the same validation rows, reproduces the card
            assertThat(s.path("auc").asDouble()).isCloseTo(card.path("stages").path(stage).path("auc").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
        }

        CliRun wrongTruth = CliRun.run("evaluate", "--model", modelDir.toString(), "--data", events.toString(), "--format", "events",
                "--horizon", "10m", "--truth", Files.writeString(dir.resolve("t2.csv"), EventFileWriter.TRUTH_HEADER + "\n").toString());
        assertThat(wrongTruth.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(wrongTruth.errLines()).hasSize(1);
        assertThat(wrongTruth.err()).contains("the truth has no probabilities for");

        // a horizon longer than the data: every validation negative censored → a warning, AUC n/a, not a crash
        CliRun censored = CliRun.run("evaluate", "--model", modelDir.toString(), "--data", events.toString(), "--format", "events", "--horizon", "24h");
        assertThat(censored.exitCode()).as(censored.err()).isZero();
        assertThat(censored.err()).contains("warning: every validation negative of CART is censored");
        assertThat(censored.out()).contains("n/a");
    }
}
