package dev.tandem.platform.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.model.train.Reports;
import dev.tandem.model.train.StageReport;
import dev.tandem.model.zoo.ModelConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem evaluate}: scores the validation split (the last 30 % of exposures in time order) of
 * a log with an exported model, next to the two baselines fit on the same file's fit rows (their settings
 * chosen on its selection slice, as {@code tandem train} does), each AUC with its 95 % user-bootstrap interval.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Evaluates an exported model on the validation split (last 30%% of exposures in time order) of a log file or events topic:",
            "per-stage AUC with its 95%% user-bootstrap interval, logloss, ECE and positives next to popularity and logistic regression",
            "fit on the file's training split (settings chosen on its last 15%%), and the ceiling with --truth."
        })
public final class EvaluateCommand implements Callable<Integer> {
    static final int CHUNK = 2048;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "An exported model directory (<out>/<name>/<version>).")
    Path model;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "FILE|kafka:TOPIC",
            description =
                    "The log: a Taobao or REES46 CSV, or generated JSON lines; or kafka:TOPIC, the Avro UserEvents of a topic (as tandem train).")
    String data;

    @Option(
            names = "--format",
            paramLabel = "taobao|rees46|events",
            description = "Format of a --data file; not for a topic.")
    ModelData.Format format;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--strict",
            description = "Fail (exit 1) at the first malformed line of a --data file; by default malformed lines are"
                    + " reported with their line numbers and skipped, as tandem replay does.")
    boolean strict;

    @Option(
            names = "--horizon",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description =
                    "How long after a view a cart or purchase counts (default: the horizon the model was trained with, from its card; else 24h).")
    Duration horizon;

    @Option(
            names = "--truth",
            paramLabel = "FILE",
            description = "Ground truth of a generated file: adds the ceiling AUC.")
    Path truth;

    @Option(
            names = "--json",
            paramLabel = "FILE",
            description = "Also write the figures as JSON ({\"stages\", \"baselines\", \"ceiling\"}).")
    Path json;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (!Files.isDirectory(model))
            throw new CommandLine.ParameterException(cl, "model directory not found: " + model);
        if (!Files.isRegularFile(model.resolve(FeatureSpec.FILE_NAME))
                || !Files.isRegularFile(model.resolve("saved_model.pb"))) {
            throw new CommandLine.ParameterException(
                    cl, "not a model directory (no " + FeatureSpec.FILE_NAME + " or saved_model.pb): " + model);
        }
        ModelData.DataSource source = ModelData.DataSource.parse(cl, data);
        source.check(cl, format);
        ModelData.requireFile(cl, truth, "truth file");
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent))
                throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
        }
        FeatureSpec modelSpec;
        ModelConfig config;
        try {
            modelSpec = FeatureSpec.read(model);
            config = ModelConfig.read(model.resolve(ModelConfig.FILE_NAME));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException("cannot read the model in " + model + ": " + e.getMessage());
        }
        PrintWriter w = cl.getOut();
        Duration h = horizon != null ? horizon : trainedHorizon(model);
        ExampleSet examples = ModelData.examples(
                ModelData.read(source, format, strict, kafka, cl.getErr()), source.toString(), modelSpec, h);
        ModelData.warnIfUnevaluable(examples, h, cl.getErr());
        w.println("data: " + ModelData.describe(examples));
        Map<String, double[]> t = ModelData.truth(truth, examples);
        float[] pv = score(examples);
        List<StageReport> reports = Reports.of(examples, pv, config.seed(), t);
        w.println("model " + config.name() + " (" + model + "), validation split:");
        Reports.table(reports).forEach(w::println);
        if (json != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("model", model.toString());
            root.put("data", source.toString());
            root.put("split", "validation");
            root.putAll(Reports.figures(reports));
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
            w.println("wrote " + json);
        }
        w.flush();
        return ExitCodes.OK;
    }

    /** The horizon recorded in the model card (24 h when the card has none). */
    static Duration trainedHorizon(Path model) {
        try {
            long ms = new ObjectMapper()
                    .readTree(model.resolve("model-card.json").toFile())
                    .path("funnel")
                    .path("horizon_ms")
                    .asLong(0);
            return ms > 0 ? Duration.ofMillis(ms) : Duration.ofHours(24);
        } catch (IOException e) {
            return Duration.ofHours(24);
        }
    }

    /** The exported model's P(reach stage) for the validation rows, float[validationCount · K]. */
    private float[] score(ExampleSet examples) throws IOException {
        int k = examples.taskCount();
        int n = examples.validationCount();
        float[] out = new float[n * k];
        FeatureSpec spec = examples.features().spec();
        try (FunnelScorer scorer = FunnelScorer.load(model, spec, examples.stageNames())) {
            EncodedBatch batch = new EncodedBatch(spec, CHUNK);
            for (int off = 0; off < n; off += CHUNK) {
                int rows = Math.min(CHUNK, n - off);
                for (int r = 0; r < rows; r++) {
                    examples.features().copyRow(examples.trainCount() + off + r, batch, r);
                }
                batch.setRows(rows);
                float[] p = scorer.score(batch);
                System.arraycopy(p, 0, out, off * k, rows * k);
            }
        } catch (FeatureSpec.IncompatibleSpecException e) {
            throw new CliException("the model cannot be fed: " + e.getMessage());
        }
        return out;
    }
}
