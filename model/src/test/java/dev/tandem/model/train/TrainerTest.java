package dev.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.eval.Evaluation;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.SyntheticFunnelLog;
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
    static final FeatureSpec SPEC = FeatureSpec.defaults().withSequenceLength(10).withBuckets(4096, 256, 64);
    static SyntheticFunnelLog log;
    static ExampleSet data;

    static ModelConfig config() {
        return ModelConfig.defaults().withName("test-funnel").withTraining(0.005, 128, 8, 2, 7);
    }

    @BeforeAll
    static void generate() {
        log = new SyntheticFunnelLog(11, 240, 25, 600, 24);
        data = new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FunnelConfig.defaults()).build(log.events);
    }

    /** The simulator's true probabilities of the validation rows, stage-minor, and their AUC (the ceiling). */
    static double ceilingAuc(int task) {
        int n = data.validationCount();
        float[] p = new float[n];
        float[] y = new float[n];
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            int row = data.trainCount() + i;
            p[i] = log.truth.get(SyntheticFunnelLog.key(data.userIds()[row], data.itemIds()[row], data.exposureTimeMs()[row]))[task];
            y[i] = data.label(row, task);
            m[i] = data.known(row, task) ? 1 : 0;
        }
        return Evaluation.auc(p, y, m);
    }

    @Test
    void mmoeWithTargetAttentionLearnsTheSignalAndBeatsPopularity() {
        List<String> lines = new ArrayList<>();
        try (TrainedModel model = new Trainer(config(), lines::add).train(data)) {
            lines.forEach(System.out::println);
            for (int t = 0; t < 2; t++) {
                StageReport r = model.reports().get(t);
                System.out.printf(Locale.ROOT, "%s: model AUC %.4f, ceiling %.4f, popularity %.4f, LR %.4f, %d positives; %.0f train examples/s%n",
                        r.stage(), r.model().auc(), ceilingAuc(t), r.baselineAuc().get("popularity"), r.baselineAuc().get("logistic_regression"),
                        r.model().positives(), model.trainExamplesPerSec());
            }
            StageReport cart = model.report("CART");
            assertThat(cart.model().positives()).isGreaterThan(100);
            assertThat(cart.model().auc()).isGreaterThan(0.65);
            assertThat(cart.model().auc()).isGreaterThan(cart.baselineAuc().get("popularity"));
            assertThat(model.report("PURCHASE").model().auc()).isGreaterThan(0.6);
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("epoch 1/8", "AUC CART", "examples/s"));
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
            ModelConfig c = config().withArchitecture(v[0], v[1]).withTaskSeGating(v[0].equals("mmoe")).withTraining(0.005, 256, 1, 0, 3);
            try (TrainedModel m = new Trainer(c, null).train(data)) {
                assertThat(m.report("CART").model().auc()).as(v[0] + "/" + v[1]).isGreaterThan(0.55);
                assertThat(m.report("PURCHASE").model().logloss()).as(v[0] + "/" + v[1]).isFinite();
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
            assertThat(ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME))).isEqualTo(c);
            String card = Files.readString(dir.resolve(TrainedModel.CARD_JSON));
            assertThat(card).contains("\"stages\"", "\"CART\"", "\"auc\"", "\"positives\"", "\"popularity\"", "\"logistic_regression\"", "\"calibration\"");
            assertThat(Files.readString(dir.resolve(TrainedModel.CARD_MARKDOWN))).contains("| CART |", "unexposed conversions");
            try (var files = Files.list(out.resolve("test-funnel"))) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("v1"); // no temp dir left
            }
            assertThatThrownBy(() -> model.export(out, "v1")).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);

            // 300 validation rows, scored here by the training session and there by the SavedModel
            EncodedBatch rows = new EncodedBatch(SPEC, 300);
            for (int i = 0; i < 300; i++) {
                data.features().copyRow(data.trainCount() + i, rows, i);
            }
            rows.setRows(300);
            float[] here = model.predict(rows);
            Path rowsFile = out.resolve("rows.bin");
            ScoreMain.writeRows(rows, rowsFile);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m",
                    "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir", System.getProperty("user.home") + "/.javacpp/cache"),
                    "-cp", System.getProperty("java.class.path"), ScoreMain.class.getName(), dir.toString(), rowsFile.toString(), "CART", "PURCHASE");
            pb.redirectError(out.resolve("child.err").toFile());
            Process p = pb.start();
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(out.resolve("child.err"))).isZero();
            assertThat(lines).hasSize(here.length);
            for (int i = 0; i < here.length; i++) {
                assertThat(Integer.parseInt(lines.get(i))).as("row %d stage %d", i / 2, i % 2).isEqualTo(Float.floatToRawIntBits(here[i]));
            }
        }
    }

    @Test
    void theServerRefusesAModelWhoseSpecItCannotProduce(@TempDir Path out) throws Exception {
        try (TrainedModel model = new Trainer(config().withTraining(0.005, 256, 1, 0, 5), null).train(data)) {
            Path dir = model.export(out, "v1");
            FeatureSpec other = SPEC.withBuckets(8192, 256, 64);
            assertThatThrownBy(() -> dev.tandem.model.serving.FunnelScorer.load(dir, other, List.of("CART")))
                    .isInstanceOf(FeatureSpec.IncompatibleSpecException.class).hasMessageContaining("itemBuckets");
        }
    }

    @Test
    void aNaNLossStopsWithAClearError() {
        ExampleSet poisoned = new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FunnelConfig.defaults()).build(log.events);
        java.util.Arrays.fill(poisoned.features().userDense, Float.NaN);
        assertThatThrownBy(() -> new Trainer(config(), null).train(poisoned))
                .isInstanceOf(TrainingException.class).hasMessageContaining("NaN").hasMessageContaining("epoch 1");
    }

    @Test
    void nothingToLearnIsRefused() {
        // every exposure censored: the data ends right after the views
        List<dev.tandem.model.data.LoggedEvent> few = log.events.stream().filter(e -> e.userId().equals("u1")).toList();
        ExampleSet censored = new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(),
                new FunnelConfig(FunnelConfig.defaults().stages(), java.time.Duration.ofDays(365), 0.7)).build(few);
        boolean anyKnown = false;
        for (int i = 0; i < censored.trainCount() * 2; i++) {
            anyKnown |= censored.mask()[i] > 0 && censored.labels()[i] == 0;
        }
        assertThat(anyKnown).isFalse();
        // the positives are known even when censored; drop them to leave nothing
        java.util.Arrays.fill(censored.mask(), 0f);
        assertThatThrownBy(() -> new Trainer(config(), null).train(censored))
                .isInstanceOf(TrainingException.class).hasMessageContaining("no labels");
    }

    static String cp() {
        return System.getProperty("java.class.path").replace(File.pathSeparatorChar, '\n');
    }
}
