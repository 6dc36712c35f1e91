package dev.tandem.inference;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.Action;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Real SavedModels for tests: a tiny MMoE trained in a few seconds on a small generated log (as in {@code TfScoringJobTest}). */
public final class TinyModels {
    public static final FeatureSpec SPEC = FeatureSpec.defaults().withSequenceLength(8);

    private TinyModels() {
    }

    /** Trains and exports {@code root/tiny/version}; a different {@code seed} gives different weights, so versions score differently. */
    public static Path train(Path root, String version, long seed) throws Exception {
        Random rnd = new Random(11);
        List<LoggedEvent> log = new ArrayList<>();
        long t0 = 1_700_000_000_000L;
        int id = 0;
        for (int u = 0; u < 60; u++) {
            long t = t0 + u * 1_000L;
            for (int v = 0; v < 12; v++) {
                int item = rnd.nextInt(40);
                String cat = "c" + (item % 6);
                t += 600_000L;
                log.add(new LoggedEvent("u" + u, new BehaviourEvent("e" + id++, "i" + item, cat, Action.VIEW, t), "b" + item % 4, 10.0 + item));
                if (rnd.nextDouble() < (item % 6 < 2 ? 0.5 : 0.1)) {
                    log.add(new LoggedEvent("u" + u, new BehaviourEvent("e" + id++, "i" + item, cat, Action.CART, t + 60_000L), "b" + item % 4, 10.0 + item));
                    if (rnd.nextBoolean()) {
                        log.add(new LoggedEvent("u" + u, new BehaviourEvent("e" + id++, "i" + item, cat, Action.PURCHASE, t + 120_000L), "b" + item % 4, 10.0 + item));
                    }
                }
            }
        }
        ExampleSet data = new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(),
                new FunnelConfig(FunnelConfig.defaults().stages(), Duration.ofMinutes(10), 0.7)).build(log);
        ModelConfig config = ModelConfig.defaults().withName("tiny").withArchitecture("mmoe", "mean").withTraining(0.005, 128, 1, 0, seed);
        try (TrainedModel m = new Trainer(config, null).train(data)) {
            return m.export(root, version);
        }
    }
}
