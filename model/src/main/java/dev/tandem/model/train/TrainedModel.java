package dev.tandem.model.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.data.DataStats;
import dev.tandem.model.eval.CalibrationPlot;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.zoo.FunnelGraph;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.model.zoo.ModelZoo;
import dev.tandem.model.zoo.Params;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;

/**
 * A trained model still attached to its training session: predicts, reports, and exports.
 * Close it to free the native graph and session.
 */
public final class TrainedModel implements AutoCloseable {
    public static final String CARD_JSON = "model-card.json";
    public static final String CARD_MARKDOWN = "model-card.md";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainingGraph graph;
    final ModelConfig config;
    private final FeatureSpec spec;
    private final List<String> stages;
    final DataStats stats;
    final List<StageReport> reports;
    private final float[] validationPredictions;
    final int epochsRun;
    final int bestEpoch;
    final double bestSelectionLoss;
    private final double[] selectionAuc;
    private final double selectionLoss;
    final double trainExamplesPerSec;
    /** How this model was chosen among candidates ({@link ModelSelection}); null when it was trained alone. */
    ModelSelection.Outcome selection;

    final dev.tandem.model.data.FunnelConfig funnel;
    final NextCategoryReport nextCategory;
    final DriftReference drift;

    TrainedModel(
            TrainingGraph graph,
            ModelConfig config,
            FeatureSpec spec,
            dev.tandem.model.data.FunnelConfig funnel,
            List<String> stages,
            DataStats stats,
            List<StageReport> reports,
            float[] validationPredictions,
            int epochsRun,
            int bestEpoch,
            double bestSelectionLoss,
            double[] selectionAuc,
            double selectionLoss,
            double trainExamplesPerSec,
            NextCategoryReport nextCategory,
            DriftReference drift) {
        this.graph = graph;
        this.config = config;
        this.spec = spec;
        this.funnel = funnel;
        this.stages = stages;
        this.stats = stats;
        this.reports = reports;
        this.validationPredictions = validationPredictions;
        this.epochsRun = epochsRun;
        this.bestEpoch = bestEpoch;
        this.bestSelectionLoss = bestSelectionLoss;
        this.selectionAuc = selectionAuc;
        this.selectionLoss = selectionLoss;
        this.trainExamplesPerSec = trainExamplesPerSec;
        this.nextCategory = nextCategory;
        this.drift = drift;
    }

    /**
     * What the validation rows' scores and watched inputs looked like (the card's {@value DriftReference#CARD_KEY}
     * section), for monitoring's PSI.
     */
    public DriftReference driftReference() {
        return drift;
    }

    /** The auxiliary next-category task's validation figures; null when the task is off. */
    public NextCategoryReport nextCategoryReport() {
        return nextCategory;
    }

    public List<StageReport> reports() {
        return reports;
    }

    public StageReport report(String stage) {
        return reports.stream().filter(r -> r.stage().equals(stage)).findFirst().orElseThrow();
    }

    public List<String> stages() {
        return stages;
    }

    /** Per stage, the AUC on the selection slice as exported (calibrated): what {@link ModelSelection} compares. */
    public double[] selectionAuc() {
        return selectionAuc.clone();
    }

    /** The summed per-stage log loss on the selection slice, calibrated. */
    public double selectionLoss() {
        return selectionLoss;
    }

    public ModelConfig config() {
        return config;
    }

    /** How this model was chosen among candidates; null when it was trained alone. */
    public ModelSelection.Outcome selection() {
        return selection;
    }

    public double trainExamplesPerSec() {
        return trainExamplesPerSec;
    }

    public int epochsRun() {
        return epochsRun;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    public float[] validationPredictions() {
        return validationPredictions.clone();
    }

    /** The trained weights, by variable name (model variables only; no optimizer state). */
    public Map<String, float[]> weights() {
        return graph.model.params().read(graph.session);
    }

    /** P(reach stage k) for every row of {@code b}, from the training session: float[rows · K]. */
    public float[] predict(EncodedBatch b) {
        return Trainer.predict(graph, b, 0, b.rows(), stages.size());
    }

    /**
     * Writes {@code <outRoot>/<name>/<version>/}: the SavedModel (serving_default: inputs named by the
     * feature spec, outputs {@code p_<stage>}; model variables only), {@value FeatureSpec#FILE_NAME},
     * {@value ModelConfig#FILE_NAME}, {@value #CARD_JSON}, {@value #CARD_MARKDOWN} and the calibration plot
     * {@value CalibrationPlot#FILE_NAME} it references. Everything is
     * written into a temporary directory beside the target and renamed into place.
     *
     * @param version null for a UTC timestamp
     * @throws FileAlreadyExistsException if that version exists
     */
    public Path export(Path outRoot, String version) throws IOException {
        return export(outRoot, version, tmp -> {});
    }

    /** Test seam: {@code beforeRename} sees the complete temporary directory just before it is renamed. */
    Path export(Path outRoot, String version, java.util.function.Consumer<Path> beforeRename) throws IOException {
        String v = version != null
                ? version
                : DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
        if (!v.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("version must be letters, digits, '.', '_' or '-', was '" + v + "'");
        }
        Path parent = outRoot.resolve(config.name());
        Path target = parent.resolve(v);
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "model version exists already");
        }
        Files.createDirectories(parent);
        Path tmp = parent.resolve(".tmp-" + v + "-" + System.nanoTime());
        try {
            exportSavedModel(tmp, weights());
            spec.write(tmp);
            Files.writeString(tmp.resolve(ModelConfig.FILE_NAME), config.toJson());
            Map<String, Object> card = card(v);
            Files.writeString(tmp.resolve(CARD_JSON), JSON.writeValueAsString(card));
            Files.writeString(tmp.resolve(CARD_MARKDOWN), ModelCardMarkdown.render(this, card));
            writeCalibrationPlot(tmp.resolve(CalibrationPlot.FILE_NAME), v);
            beforeRename.accept(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            return target;
        } finally {
            deleteRecursively(tmp);
        }
    }

    private void writeCalibrationPlot(Path file, String version) throws IOException {
        Map<String, List<Evaluation.CalibrationBin>> bins = new LinkedHashMap<>();
        for (StageReport r : reports) {
            bins.put(r.stage(), r.model().calibration());
        }
        try {
            CalibrationPlot.write(file, "Calibration (validation): " + config.name() + " " + version, bins);
        } catch (RuntimeException | LinkageError e) {
            // AWT text rendering needs fontconfig and a font; a machine without them still gets a
            // model (the card's JSON and Markdown hold the same calibration table), just no image.
            System.getLogger(TrainedModel.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "calibration plot not written (" + e
                                    + "); the model card's calibration table has the same figures");
        }
    }

    /** A clean inference graph (no labels, loss or optimizer), its variables set to the trained values. */
    private void exportSavedModel(Path dir, Map<String, float[]> weights) throws IOException {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Params params = new Params(tf, config.seed());
            FunnelGraph model =
                    ModelZoo.build(tf, spec, config, stages, params, false); // no auxiliary heads in serving
            try (Session s = new Session(g)) {
                params.assign(s, weights); // by name: the training-only auxiliary weights are left behind
                Signature.Builder sig = Signature.builder().key(Signature.DEFAULT_KEY);
                model.inputs().forEach(sig::input);
                for (int t = 0; t < stages.size(); t++) {
                    sig.output(
                            FunnelGraph.outputName(stages.get(t)), model.reach().get(t));
                }
                SessionFunction fn = SessionFunction.create(sig.build(), s);
                SavedModelBundle.exporter(dir.toString())
                        .withSession(s)
                        .withFunction(fn)
                        .export();
            }
        }
    }

    /** The model card in the shape the CLI and monitoring read. */
    public Map<String, Object> card(String version) {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", config.name());
        card.put("version", version);
        card.put("split", "validation");
        card.putAll(Reports.figures(reports));
        Map<String, Object> calibration = new LinkedHashMap<>();
        for (StageReport r : reports) {
            List<Map<String, Object>> bins = new ArrayList<>();
            for (Evaluation.CalibrationBin b : r.model().calibration()) {
                Map<String, Object> bin = new LinkedHashMap<>();
                bin.put("lower", b.lower());
                bin.put("upper", b.upper());
                bin.put("count", b.count());
                bin.put("mean_predicted", num(b.meanPredicted()));
                bin.put("observed_rate", num(b.observedRate()));
                bins.add(bin);
            }
            calibration.put(r.stage(), bins);
        }
        card.put("calibration", calibration);
        card.put("calibration_plot", CalibrationPlot.FILE_NAME);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("epochs_run", epochsRun);
        training.put("best_epoch", bestEpoch);
        training.put("best_selection_loss", num(bestSelectionLoss));
        training.put("train_examples_per_sec", num(trainExamplesPerSec));
        card.put("training", training);
        if (nextCategory != null) {
            card.put("auxiliary", Map.of("next_category", nextCategory.toJson()));
        }
        if (selection != null) {
            card.put("selection", selection.toJson(stages));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("stages", funnel.stages().stream().map(Enum::name).toList());
        f.put("horizon_ms", funnel.horizon().toMillis());
        f.put("train_fraction", funnel.trainFraction());
        f.put("selection_fraction", funnel.selectionFraction());
        card.put("funnel", f);
        card.put("protocol", protocol());
        if (drift != null) card.put(DriftReference.CARD_KEY, drift.toMap());
        card.put("data", stats);
        card.put("config", config);
        card.put("feature_spec_version", spec.formatVersion());
        return card;
    }

    /** How the figures were made, in words and counts: what a reader needs to trust them. */
    private Map<String, Object> protocol() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(
                "split",
                String.format(
                        Locale.ROOT,
                        "exposures in time order: the first %.0f%% are the training period, the rest validate",
                        100 * funnel.trainFraction()));
        p.put(
                "purge",
                "training exposures whose horizon (" + funnel.horizon()
                        + ") reaches the first validation exposure are dropped");
        p.put(
                "selection",
                String.format(
                        Locale.ROOT,
                        "the last %.0f%% of the kept training exposures: best epoch (summed log loss) and every "
                                + "baseline setting are chosen there; models and baselines are fit on the rest",
                        100 * funnel.selectionFraction()));
        p.put("item_metadata", "as of the exposure: its own brand and price, else the newest an earlier event carried");
        p.put(
                "baseline_item_rates",
                "fit rows only; a fit row gets the rates of other users' fit rows (5 folds by user)");
        p.put(
                "confidence_intervals",
                String.format(
                        Locale.ROOT,
                        "%.0f%% percentile intervals over %d resamples of the validation users with "
                                + "replacement (seeded, the same draws for every model)",
                        100 * Reports.BOOTSTRAP_LEVEL,
                        Reports.BOOTSTRAP_RESAMPLES));
        p.put("fit_examples", stats.fitExamples());
        p.put("selection_examples", stats.selectionExamples());
        p.put("validation_examples", stats.validationExamples());
        p.put("purged_exposures", stats.purgedExposures());
        p.put("selection_start_ms", stats.selectionStartMs());
        p.put("split_time_ms", stats.splitTimeMs());
        p.put("censored_exposures", stats.censoredExposures());
        p.put("censored_negatives", stats.censoredNegatives());
        p.put("unexposed_conversions", stats.unexposedConversions());
        return p;
    }

    private static Object num(Double d) {
        return d == null || d.isNaN() || d.isInfinite() ? null : d;
    }

    @SuppressWarnings("unchecked")
    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    @Override
    public void close() {
        graph.close();
    }
}
