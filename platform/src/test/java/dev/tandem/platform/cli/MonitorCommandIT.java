package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.generator.EventFileReader;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online equals offline: {@code tandem monitor --data} (events → features app → score on exposure → monitoring app →
 * outcomes → metrics, on an embedded cluster) and {@code tandem evaluate --json} of the same model on the same
 * generated log report the same figures per stage: the same exposures and labels (positives and evaluated equal), the
 * same scores (log loss and ECE equal), and AUCs within 0.005 (the histogram's ties: its bound is in the JSON).
 */
class MonitorCommandIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theOnlinePathReportsWhatOfflineEvaluationReportsOnTheSameLog() throws Exception {
        Path events =
                OfflineEvaluation.writeEvents(GeneratorConfig.of(120, 500, 3_500, 5), dir.resolve("events.jsonl"));
        // a tiny model fit on this log (one epoch, seconds): scores that rank, spread over many histogram buckets
        ExampleSet fit = new ExampleBuilder(
                        new FeatureEncoder(TinyModels.SPEC),
                        SequencePolicy.defaults(),
                        new FunnelConfig(FunnelConfig.defaults().stages(), Duration.ofMinutes(10), 0.7))
                .buildFromUserEvents(EventFileReader.readEvents(events));
        Path model;
        try (TrainedModel trained = new Trainer(TinyModels.config(7), null).train(fit)) {
            model = trained.export(dir.resolve("models"), "v1");
        }

        JsonNode e = OfflineEvaluation.stages(model, events, dir.resolve("evaluate.json"), "--horizon", "10m");

        Path online = dir.resolve("monitor.json");
        CliRun mon = CliRun.run(
                "monitor",
                "--model",
                model.toString(),
                "--data",
                events.toString(),
                "--format",
                "events",
                "--horizon",
                "10m",
                "--json",
                online.toString());
        System.out.println(mon.out());
        assertThat(mon.exitCode()).as(mon.err()).isZero();
        assertThat(mon.out()).contains("scored", "exposures", "CART", "PURCHASE", "wrote");

        JsonNode m = new ObjectMapper().readTree(online.toFile()).path("stages");
        for (String stage : TinyModels.STAGES) {
            JsonNode x = e.path(stage);
            JsonNode o = m.path(stage);
            assertThat(o.path("positives").asLong())
                    .as(stage)
                    .isPositive()
                    .isEqualTo(x.path("positives").asLong());
            assertThat(o.path("evaluated").asLong())
                    .as(stage)
                    .isEqualTo(x.path("evaluated").asLong());
            assertThat(o.path("auc").asDouble())
                    .as(stage)
                    .isCloseTo(x.path("auc").asDouble(), within(0.005));
            assertThat(Math.abs(o.path("auc").asDouble() - x.path("auc").asDouble()))
                    .as("%s: within the histogram's tie bound", stage)
                    .isLessThanOrEqualTo(o.path("auc_tie_bound").asDouble() + 1e-9);
            assertThat(o.path("logloss").asDouble())
                    .as(stage)
                    .isCloseTo(x.path("logloss").asDouble(), within(1e-5));
            assertThat(o.path("ece").asDouble())
                    .as(stage)
                    .isCloseTo(x.path("ece").asDouble(), within(1e-5));
            assertThat(o.path("calibration")).hasSize(10);
        }
    }
}
