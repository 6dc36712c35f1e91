package dev.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.features.drift.DriftBins;
import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.drift.Psi;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.GeneratedLog;
import dev.tandem.model.zoo.ModelConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TrainerTest {
    static final FeatureSpec SPEC =
            FeatureSpec.defaults().withSequenceLength(10).withBuckets(4096, 256, 64);
    /** Generated views are followed by their cart within seconds and purchase within minutes: a 1 h horizon. */
    static final FunnelConfig FUNNEL =
            new FunnelConfig(FunnelConfig.defaults().stages(), java.time.Duration.ofHours(1), 0.7);

    static GeneratedLog log;
    static ExampleSet data;
    static Map<String, double[]> truth;

    static ModelConfig config() {
        return ModelConfig.defaults().withName("test-funnel").withTraining(0.005, 128, 8, 2, 7);
    }

    @BeforeAll
    static void generate() {
        // the platform's generator: 300 users, 2,000 items, 20,000 events → about 16,000 exposures
        log = new GeneratedLog(GeneratorConfig.of(300, 2_000, 20_000, 11));
        data = new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FUNNEL).build(log.events);
        truth = log.truthFor(data.stageNames());
    }

    /**
     * The network against the ceiling and the two baselines on the generator's data. It clears 90 % of the
     * ceiling and beats popularity beyond the bootstrap's doubt; against the logistic regression (explicit candidate
     * interactions and item rates, its settings chosen on the same selection slice) it is level within the noise
     * since the network got the item rates and regularisation (2026-12-07: CART 0.796 against 0.807, −0.011
     * [−0.023, +0.001]; PURCHASE 0.802 against 0.814, −0.012 [−0.026, +0.001]; before: 0.781 and 0.789, both beyond
     * the interval). What is asserted would catch a broken or unregularised network with a margin over the seed
     * spread: within 0.03 AUC of the logistic regression, at 90 % of the ceiling.
     */
    @Test
    void mmoeWithFunnelAndTargetAttentionReaches90PercentOfTheCeilingBeatsPopularityAndStaysNearTheLogisticRegression()
            throws Exception {
        List<String> lines = new ArrayList<>();
        try (TrainedModel model = new Trainer(config(), lines::add).train(data, truth)) {
            lines.forEach(System.out::println);
            Reports.table(model.reports()).forEach(System.out::println);
            for (StageReport r : model.reports()) {
                System.out.printf(
                        Locale.ROOT,
                        "%s: model − popularity %s, model − logistic regression %s, chosen %s%n",
                        r.stage(),
                        r.modelMinusBaseline().get("popularity"),
                        r.modelMinusBaseline().get("logistic_regression"),
                        r.baselineChoice());
                assertThat(r.model().positives()).as(r.stage()).isGreaterThan(500);
                assertThat(r.ceilingAuc()).as(r.stage()).isNotNull();
                assertThat(r.modelMinusBaseline().get("popularity").lower())
                        .as(r.stage() + ": model − popularity, lower end of the 95 % interval")
                        .isGreaterThan(0);
                assertThat(r.modelMinusBaseline().get("logistic_regression").estimate())
                        .as(r.stage() + ": model − logistic regression")
                        .isGreaterThan(-0.03);
                assertThat(r.fractionOfCeiling())
                        .as(r.stage() + " fraction of the ceiling")
                        .isGreaterThanOrEqualTo(0.9);
                assertThat(r.modelAucInterval().lower()).isLessThan(r.model().auc());
                assertThat(r.modelAucInterval().upper()).isGreaterThan(r.model().auc());
                assertThat(r.baselineChoice().get("logistic_regression").settings())
                        .containsKeys("l2", "epochs");
            }
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("epoch 1/8", "selection AUC CART", "examples/s"));
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("validation PURCHASE", "ceiling"));
            @SuppressWarnings("unchecked")
            Map<String, Object> card = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readValue(
                            new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(model.card("v1")),
                            Map.class);
            assertThat(card).containsKeys("stages", "baselines", "ceiling", "protocol", "bootstrap");
            assertThat((Map<String, Object>) card.get("baselines"))
                    .containsOnlyKeys("popularity", "logistic_regression");
            assertThat(card.get("ceiling").toString()).contains("CART", "PURCHASE", "auc");
            assertThat(card.get("stages").toString()).contains("auc_ci95", "lower", "upper", "positives");
            assertThat(card.get("baselines").toString())
                    .contains("auc_ci95", "model_minus_baseline", "chosen", "l2", "alpha");
            @SuppressWarnings("unchecked")
            Map<String, Object> protocol = (Map<String, Object>) card.get("protocol");
            assertThat(protocol)
                    .containsKeys(
                            "split",
                            "purge",
                            "selection",
                            "purged_exposures",
                            "selection_examples",
                            "censored_exposures",
                            "unexposed_conversions");
            assertThat(((Number) protocol.get("selection_examples")).longValue())
                    .isEqualTo(data.selectionCount())
                    .isPositive();
        }
    }

    @Test
    void refusesToTrainWhenTheHorizonPurgesEveryTrainingExposure() {
        // a horizon longer than the log censors every exposure: only positives would keep a label, and a
        // model trained on them predicts P = 1 for everything (the demo's all-1.000 predictions). Every
        // training exposure's horizon also reaches the validation period, so all of them are purged.
        FunnelConfig tooLong = new FunnelConfig(FUNNEL.stages(), java.time.Duration.ofDays(30), 0.7);
        ExampleSet censored =
                new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), tooLong).build(log.events);
        assertThat(censored.stats().censoredExposures()).isEqualTo(censored.size());
        assertThat(censored.trainCount()).isZero();
        assertThat(censored.stats().purgedExposures())
                .isEqualTo(censored.stats().exposures() - censored.size())
                .isPositive();
        assertThatThrownBy(() -> new Trainer(config(), null).train(censored).close())
                .isInstanceOf(TrainingException.class)
                .hasMessageContaining("purged")
                .hasMessageContaining("horizon");
    }

    @Test
    void itemsNeverSeenInTrainingScoreThroughMetadataAlone() {
        // hold a fifth of the items out of the training split: their validation exposures are cold starts
        java.util.function.Predicate<String> heldOut = item -> Math.floorMod(item.hashCode(), 5) == 0;
        ExampleSet cold = data.withoutTrainingRows(i -> heldOut.test(data.itemIds()[i]));
        assertThat(cold.trainCount()).isLessThan(data.trainCount());
        ModelConfig c = config().withItemId(false);
        try (TrainedModel model = new Trainer(c, null).train(cold, truth)) {
            float[] pv = model.validationPredictions();
            int k = cold.taskCount();
            int n = cold.validationCount();
            for (int t = 0; t < k; t++) {
                float[] p = new float[n];
                float[] y = new float[n];
                float[] m = new float[n];
                float[] ceiling = new float[n];
                for (int i = 0; i < n; i++) {
                    int row = cold.trainCount() + i;
                    p[i] = pv[i * k + t];
                    y[i] = cold.label(row, t);
                    m[i] = cold.known(row, t) && heldOut.test(cold.itemIds()[row]) ? 1 : 0;
                    ceiling[i] = (float) truth.get(cold.exposureEventIds()[row])[t];
                }
                long positives = 0;
                for (int i = 0; i < n; i++) {
                    positives += m[i] > 0 && y[i] > 0 ? 1 : 0;
                }
                double auc = Evaluation.auc(p, y, m);
                System.out.printf(
                        Locale.ROOT,
                        "cold-start items, %s: AUC %.4f (ceiling on the same rows %.4f), %d positives%n",
                        cold.stageNames().get(t),
                        auc,
                        Evaluation.auc(ceiling, y, m),
                        positives);
                if (cold.stageNames().get(t).equals("PURCHASE")) {
                    assertThat(positives).isGreaterThan(50);
                    assertThat(auc).isGreaterThanOrEqualTo(0.6);
                }
            }
        }
    }

    @Test
    void theSameSeedGivesIdenticalWeights() {
        ModelConfig c = config().withTraining(0.005, 128, 2, 5, 99);
        Map<String, float[]> a;
        Map<String, float[]> b;
        try (TrainedModel m = new Trainer(c, null).train(data)) {
            a = m.weights();
        }
        try (TrainedModel m = new Trainer(c, null).train(data)) {
            b = m.weights();
        }
        assertThat(a.keySet()).isEqualTo(b.keySet()).isNotEmpty();
        a.forEach((name, w) -> assertThat(b.get(name)).as(name).containsExactly(w));
    }

    @Test
    void everyArchitectureAndEncoderTrains() {
        for (String[] v : new String[][] {{"shared_bottom", "mean"}, {"ple", "transformer"}, {"mmoe", "mean"}}) {
            ModelConfig c = config().withArchitecture(v[0], v[1])
                    .withTaskSeGating(v[0].equals("mmoe"))
                    .withTraining(0.005, 256, 1, 0, 3);
            try (TrainedModel m = new Trainer(c, null).train(data)) {
                assertThat(m.report("CART").model().auc()).as(v[0] + "/" + v[1]).isGreaterThan(0.55);
                assertThat(m.report("PURCHASE").model().logloss())
                        .as(v[0] + "/" + v[1])
                        .isFinite();
            }
        }
    }

    @Test
    void anExportedModelScoresIdenticallyInAFreshJvm(@TempDir Path out) throws Exception {
        ModelConfig c = config().withTraining(0.005, 128, 1, 0, 5);
        try (TrainedModel model = new Trainer(c, null).train(data)) {
            Path dir = model.export(out, "v1");
            assertThat(dir).isEqualTo(out.resolve("test-funnel").resolve("v1"));
            assertThat(dir.resolve("saved_model.pb")).exists();
            assertThat(FeatureSpec.read(dir)).isEqualTo(SPEC);
            // the exported config says what was used: the regularisation chosen for this many fit examples
            assertThat(c.regularizationAutomatic()).isTrue();
            assertThat(ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME)))
                    .isEqualTo(c.withRegularizationFor(data.fitCount()))
                    .isEqualTo(model.config());
            String card = Files.readString(dir.resolve(TrainedModel.CARD_JSON));
            assertThat(card)
                    .contains(
                            "\"stages\"",
                            "\"CART\"",
                            "\"auc\"",
                            "\"positives\"",
                            "\"popularity\"",
                            "\"logistic_regression\"",
                            "\"calibration\"");
            assertThat(Files.readString(dir.resolve(TrainedModel.CARD_MARKDOWN)))
                    .contains("| CART |", "unexposed conversions", "## Drift reference");
            // the drift reference: read back as the monitoring app reads it, the validation rows binned
            Map<?, ?> section = (Map<?, ?>) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readValue(card, Map.class)
                    .get(DriftReference.CARD_KEY);
            DriftReference drift = DriftReference.fromMap(section);
            assertThat(drift).isEqualTo(model.driftReference());
            assertThat(drift.rows()).isEqualTo(data.validationCount());
            assertThat(drift.scores()).containsOnlyKeys("CART", "PURCHASE");
            // the raw inputs, then the user_dense slots the scorer publishes per prediction, by the spec's names
            List<String> watched = new ArrayList<>(DriftFeatures.ALL);
            for (String n : SPEC.userInputNames()) if (n != null) watched.add(n);
            assertThat(drift.features().keySet()).containsExactlyElementsOf(watched);
            DriftBins fill = drift.features().get("user_sequence_fill");
            assertThat(fill.total()).isEqualTo(data.validationCount());
            assertThat(fill.missing()).isZero();
            for (DriftBins b : drift.scores().values()) {
                assertThat(b.total()).isEqualTo(data.validationCount());
                assertThat(b.edges()).hasSizeGreaterThan(5); // continuous scores: about ten bins
            }
            DriftBins cart = drift.scores().get("CART");
            long[] counted = new long[cart.width()];
            float[] pv = model.validationPredictions();
            for (int i = 0; i < data.validationCount(); i++) counted[cart.bin(pv[2 * i])]++;
            assertThat(Psi.of(cart.expected(), counted)).as("its own rows").isZero();
            try (var files = Files.list(out.resolve("test-funnel"))) {
                assertThat(files.map(p -> p.getFileName().toString()).toList())
                        .containsExactly("v1"); // no temp dir left
            }
            assertThatThrownBy(() -> model.export(out, "v1"))
                    .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);

            // 300 validation rows, scored here by the training session and there by the SavedModel
            EncodedBatch rows = new EncodedBatch(SPEC, 300);
            for (int i = 0; i < 300; i++) {
                data.features().copyRow(data.trainCount() + i, rows, i);
            }
            rows.setRows(300);
            float[] here = model.predict(rows);
            Path rowsFile = out.resolve("rows.bin");
            ScoreMain.writeRows(rows, rowsFile);
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(
                    java,
                    "-Xmx512m",
                    // a short-lived child: C1 alone starts and finishes sooner than with C2 compiling beside it
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-Dorg.bytedeco.javacpp.cachedir="
                            + System.getProperty(
                                    "org.bytedeco.javacpp.cachedir",
                                    System.getProperty("user.home") + "/.javacpp/cache"),
                    "-cp",
                    System.getProperty("java.class.path"),
                    ScoreMain.class.getName(),
                    dir.toString(),
                    rowsFile.toString(),
                    "CART",
                    "PURCHASE");
            pb.redirectError(out.resolve("child.err").toFile());
            Process p = pb.start();
            List<String> lines =
                    new String(p.getInputStream().readAllBytes()).lines().toList();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue())
                    .as(Files.readString(out.resolve("child.err")))
                    .isZero();
            assertThat(lines).hasSize(here.length);
            for (int i = 0; i < here.length; i++) {
                assertThat(Integer.parseInt(lines.get(i)))
                        .as("row %d stage %d", i / 2, i % 2)
                        .isEqualTo(Float.floatToRawIntBits(here[i]));
            }
        }
    }

    @Test
    void theCalibrationPlotIsWrittenWithTheCardBeforeTheRename(@TempDir Path out) throws Exception {
        try (TrainedModel model = new Trainer(config().withTraining(0.005, 256, 1, 0, 5), null).train(data)) {
            List<String> seenInTemp = new ArrayList<>();
            Path dir = model.export(out, "v1", tmp -> {
                assertThat(tmp.getFileName().toString()).startsWith(".tmp-");
                assertThat(out.resolve("test-funnel").resolve("v1")).doesNotExist();
                try (var files = Files.list(tmp)) {
                    files.forEach(f -> seenInTemp.add(f.getFileName().toString()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(seenInTemp)
                    .contains(
                            dev.tandem.model.eval.CalibrationPlot.FILE_NAME,
                            TrainedModel.CARD_JSON,
                            TrainedModel.CARD_MARKDOWN);
            assertThat(java.awt.GraphicsEnvironment.isHeadless())
                    .as("rendered without a display")
                    .isTrue();
            Path png = dir.resolve(dev.tandem.model.eval.CalibrationPlot.FILE_NAME);
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
            assertThat(img).as("decodes as an image").isNotNull();
            assertThat(img.getWidth()).isEqualTo(dev.tandem.model.eval.CalibrationPlot.WIDTH);
            assertThat(img.getHeight()).isEqualTo(dev.tandem.model.eval.CalibrationPlot.HEIGHT);
            // not a blank canvas: the curves and axes leave more than a handful of colours
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 3) {
                for (int x = 0; x < img.getWidth(); x += 3) {
                    colours.add(img.getRGB(x, y));
                }
            }
            assertThat(colours.size()).isGreaterThan(10);
            assertThat(Files.readString(dir.resolve(TrainedModel.CARD_MARKDOWN)))
                    .contains("](" + dev.tandem.model.eval.CalibrationPlot.FILE_NAME + ")");
            assertThat(Files.readString(dir.resolve(TrainedModel.CARD_JSON)))
                    .contains("\"calibration_plot\" : \"calibration.png\"");
        }
    }

    @Test
    void theAuxiliaryNextCategoryTaskTrainsAndLeavesTheServingGraphAlone(@TempDir Path out) throws Exception {
        // two epochs: the second is the one kept (a third was measured worse on the selection slice, so it changed
        // nothing)
        ModelConfig c = config().withTraining(0.005, 128, 2, 3, 5).withNextCategoryTask(0.5);
        List<String> lines = new ArrayList<>();
        try (TrainedModel model = new Trainer(c, lines::add).train(data)) {
            NextCategoryReport nc = model.nextCategoryReport();
            lines.forEach(System.out::println);
            System.out.println(nc);
            assertThat(nc.classes()).isEqualTo(SPEC.categoryBuckets() + 1);
            assertThat(nc.evaluated()).isGreaterThan(1_000).isLessThanOrEqualTo(data.validationCount());
            // learns: the validation cross-entropy falls from the untrained model's, every epoch on record
            assertThat(nc.crossEntropyByEpoch()).hasSize(model.epochsRun() + 1);
            assertThat(nc.crossEntropy()).isLessThan(nc.crossEntropyByEpoch().get(0) - 0.5);
            assertThat(nc.accuracy())
                    .as("accuracy vs always the majority class")
                    .isGreaterThan(nc.majorityClassAccuracy() + 0.05);
            assertThat(nc.top5Accuracy()).isGreaterThanOrEqualTo(nc.accuracy());
            assertThat(model.report("CART").model().auc()).isGreaterThan(0.6);
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("validation next category: accuracy"));

            Path dir = model.export(out, "v1");
            String card = Files.readString(dir.resolve(TrainedModel.CARD_JSON));
            assertThat(card).contains("\"next_category\"", "\"top5_accuracy\"", "\"majority_class_accuracy\"");
            assertThat(Files.readString(dir.resolve(TrainedModel.CARD_MARKDOWN)))
                    .contains("Auxiliary task: next event's category");
            // the serving graph has one output per stage and no trace of the auxiliary head
            try (org.tensorflow.SavedModelBundle b = org.tensorflow.SavedModelBundle.load(dir.toString(), "serve")) {
                assertThat(b.function("serving_default").signature().outputNames())
                        .containsExactlyInAnyOrder("p_cart", "p_purchase");
                List<String> ops = new ArrayList<>();
                b.graph().operations().forEachRemaining(op -> ops.add(op.name()));
                assertThat(ops).isNotEmpty().noneMatch(n -> n.contains("aux") || n.contains("next_category"));
            }
            assertThat(FeatureSpec.read(dir)).isEqualTo(SPEC);
            // and it scores exactly as the training session does
            EncodedBatch rows = new EncodedBatch(SPEC, 64);
            for (int i = 0; i < 64; i++) {
                data.features().copyRow(data.trainCount() + i, rows, i);
            }
            rows.setRows(64);
            try (var scorer = dev.tandem.model.serving.FunnelScorer.load(dir, SPEC, data.stageNames())) {
                assertThat(scorer.score(rows)).containsExactly(model.predict(rows));
            }
        }
        try (TrainedModel plain = new Trainer(config().withTraining(0.005, 128, 1, 0, 5), null).train(data)) {
            assertThat(plain.nextCategoryReport()).isNull();
            assertThat(plain.card("v1")).doesNotContainKey("auxiliary");
        }
    }

    @Test
    void reusedInputTensorsScoreLikeFreshOnes(@TempDir Path out) throws Exception {
        try (TrainedModel model = new Trainer(config().withTraining(0.005, 256, 1, 0, 5), null).train(data)) {
            Path dir = model.export(out, "v1");
            try (var scorer = dev.tandem.model.serving.FunnelScorer.load(dir, SPEC, data.stageNames());
                    var inputs = scorer.newInputs(32)) {
                EncodedBatch rows = new EncodedBatch(SPEC, 32);
                float[] reused = new float[64];
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < 32; i++) {
                        data.features().copyRow(data.trainCount() + round * 32 + i, rows, i);
                    }
                    rows.setRows(32);
                    scorer.score(rows, inputs, reused, new float[32]);
                    assertThat(reused).containsExactly(scorer.score(rows));
                }
                rows.setRows(31);
                assertThatThrownBy(() -> scorer.score(rows, inputs, reused, new float[32]))
                        .hasMessageContaining("31 rows");
            }
        }
    }

    @Test
    void theServerRefusesAModelWhoseSpecItCannotProduce(@TempDir Path out) throws Exception {
        try (TrainedModel model = new Trainer(config().withTraining(0.005, 256, 1, 0, 5), null).train(data)) {
            Path dir = model.export(out, "v1");
            FeatureSpec other = SPEC.withBuckets(8192, 256, 64);
            assertThatThrownBy(() -> dev.tandem.model.serving.FunnelScorer.load(dir, other, List.of("CART")))
                    .isInstanceOf(FeatureSpec.IncompatibleSpecException.class)
                    .hasMessageContaining("itemBuckets");
        }
    }

    @Test
    void aNaNLossStopsWithAClearError() {
        ExampleSet poisoned =
                new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FUNNEL).build(log.events);
        java.util.Arrays.fill(poisoned.features().userDense, Float.NaN);
        assertThatThrownBy(() -> new Trainer(config(), null).train(poisoned))
                .isInstanceOf(TrainingException.class)
                .hasMessageContaining("NaN")
                .hasMessageContaining("epoch 1");
    }

    @Test
    void nothingToLearnIsRefused() {
        List<dev.tandem.model.data.LoggedEvent> few =
                log.events.stream().filter(e -> e.userId().equals("1")).toList();
        ExampleSet some = new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FUNNEL).build(few);
        assertThat(some.fitCount()).isPositive();
        // no fit row with a known label for any stage
        java.util.Arrays.fill(some.mask(), 0f);
        assertThatThrownBy(() -> new Trainer(config(), null).train(some))
                .isInstanceOf(TrainingException.class)
                .hasMessageContaining("no labels");
    }

    static String cp() {
        return System.getProperty("java.class.path").replace(File.pathSeparatorChar, '\n');
    }
}
