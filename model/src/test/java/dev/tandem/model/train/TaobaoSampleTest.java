package dev.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.testkit.SharedData;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Trains on the shared Taobao sample (114 users, 10,000 events) when it is present, and reports the
 * per-stage AUC next to the baselines, whatever the figures are (a few dozen positives: noise).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaobaoSampleTest {
    @Test
    void trainsOnTheTaobaoSampleAndReportsAgainstTheBaselines() throws Exception {
        Path file = SharedData.taobaoSample();
        SequencePolicy policy = SequencePolicy.defaults();
        FeatureSpec spec = FeatureSpec.defaults(policy).withSequenceLength(20).withBuckets(1 << 16, 1 << 12, 16);
        ExampleSet data = new ExampleBuilder(new FeatureEncoder(spec), policy, FunnelConfig.defaults())
                .buildFromUserEvents(
                        EventFiles.read(file, CsvFormat.TAOBAO, true).events());
        System.out.println("data: " + data.stats());
        ModelConfig cfg = ModelConfig.defaults().withName("taobao-sample").withTraining(0.003, 128, 10, 2, 42);
        try (TrainedModel m = new Trainer(cfg, System.out::println).train(data)) {
            for (StageReport r : m.reports()) {
                System.out.printf(
                        Locale.ROOT,
                        "TAOBAO %s: AUC %s, popularity %s, logistic regression %s, model − logistic regression %+.4f [%+.3f, %+.3f], "
                                + "logloss %.4f, ECE %.4f, %d positives of %d; chosen %s%n",
                        r.stage(),
                        Reports.withInterval(r.model().auc(), r.modelAucInterval()),
                        Reports.withInterval(
                                r.baselineAuc().get("popularity"),
                                r.baselineAucInterval().get("popularity")),
                        Reports.withInterval(
                                r.baselineAuc().get("logistic_regression"),
                                r.baselineAucInterval().get("logistic_regression")),
                        r.modelMinusBaseline().get("logistic_regression").estimate(),
                        r.modelMinusBaseline().get("logistic_regression").lower(),
                        r.modelMinusBaseline().get("logistic_regression").upper(),
                        r.model().logloss(),
                        r.model().ece(),
                        r.model().positives(),
                        r.model().evaluated(),
                        r.baselineChoice());
                assertThat(r.model().logloss()).isFinite();
            }
        }
    }
}
