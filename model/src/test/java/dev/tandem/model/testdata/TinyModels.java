package dev.tandem.model.testdata;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.Action;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Real SavedModels for the tests of the modules that serve models: a tiny MMoE (mean pooling),
 * trained in a few seconds on a small hand-made log. Published in this module's test jar.
 *
 * <pre>{@code
 * Path v1 = TinyModels.train(tempDir, "v1", 7);   // tempDir/tiny/v1, stages CART and PURCHASE
 * }</pre>
 *
 * <p>The same seed gives the same weights; another seed gives other weights, so two versions
 * score differently.
 */
public final class TinyModels {
    /** The model's name, the first directory under the export root. */
    public static final String NAME = "tiny";

    public static final FeatureSpec SPEC = FeatureSpec.defaults().withSequenceLength(8);
    /** The funnel stages the model predicts, in the order of its outputs. */
    public static final List<String> STAGES = List.of("CART", "PURCHASE");
    /**
     * Carts follow their view within a minute, purchases within two: a 24 h horizon (the default)
     * would censor every exposure of this two-hour log, and the trainer refuses one-class labels.
     */
    public static final FunnelConfig FUNNEL =
            new FunnelConfig(FunnelConfig.defaults().stages(), Duration.ofMinutes(10), 0.7);

    private TinyModels() {}

    /**
     * 60 users with 12 views each, ten minutes apart; items of two of six categories are put in
     * the cart far more often, so there is something to learn.
     */
    public static List<LoggedEvent> log() {
        Random rnd = new Random(11);
        List<LoggedEvent> log = new ArrayList<>();
        long t0 = 1_700_000_000_000L;
        int id = 0;
        for (int u = 0; u < 60; u++) {
            long t = t0 + u * 1_000L;
            for (int v = 0; v < 12; v++) {
                int item = rnd.nextInt(40);
                String cat = "c" + (item % 6);
                String brand = "b" + item % 4;
                double price = 10.0 + item;
                t += 600_000L;
                log.add(new LoggedEvent(
                        "u" + u, new BehaviourEvent("e" + id++, "i" + item, cat, Action.VIEW, t), brand, price));
                if (rnd.nextDouble() < (item % 6 < 2 ? 0.5 : 0.1)) {
                    log.add(new LoggedEvent(
                            "u" + u,
                            new BehaviourEvent("e" + id++, "i" + item, cat, Action.CART, t + 60_000L),
                            brand,
                            price));
                    if (rnd.nextBoolean()) {
                        log.add(new LoggedEvent(
                                "u" + u,
                                new BehaviourEvent("e" + id++, "i" + item, cat, Action.PURCHASE, t + 120_000L),
                                brand,
                                price));
                    }
                }
            }
        }
        return log;
    }

    /** {@link #log()} as training examples for {@link #SPEC} and {@link #FUNNEL}. */
    public static ExampleSet examples() {
        return new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FUNNEL).build(log());
    }

    /** One epoch, no early stopping, the given seed. */
    public static ModelConfig config(long seed) {
        return ModelConfig.defaults()
                .withName(NAME)
                .withArchitecture("mmoe", "mean")
                .withTraining(0.005, 128, 1, 0, seed);
    }

    /** The trained model, open: the caller closes it (or exports it first). */
    public static TrainedModel trainModel(long seed) {
        return new Trainer(config(seed), null).train(examples());
    }

    /** Trains and exports {@code root/tiny/version}, and returns that directory. */
    public static Path train(Path root, String version, long seed) throws Exception {
        try (TrainedModel m = trainModel(seed)) {
            return m.export(root, version);
        }
    }
}
