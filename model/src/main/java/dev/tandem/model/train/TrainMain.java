package dev.tandem.model.train;

import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.zoo.ModelConfig;
import java.nio.file.Path;

/**
 * Trains on a Taobao UserBehavior CSV until the {@code tandem train} CLI is wired:
 * {@code TrainMain <taobao.csv> <out-dir> [model-config.json] [version]}.
 */
public final class TrainMain {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TrainMain <taobao.csv> <out-dir> [model-config.json] [version]");
            System.exit(2);
        }
        ModelConfig config = args.length > 2 ? ModelConfig.read(Path.of(args[2])) : ModelConfig.defaults();
        SequencePolicy policy = SequencePolicy.defaults();
        FeatureSpec spec = FeatureSpec.defaults(policy);
        System.out.println("model config: " + config.toJson().replaceAll("\\s+", " "));
        ExampleSet data = new ExampleBuilder(new FeatureEncoder(spec), policy, FunnelConfig.defaults())
                .buildFromUserEvents(EventFiles.read(Path.of(args[0]), CsvFormat.TAOBAO, true)
                        .events());
        System.out.println("data: " + data.stats());
        try (TrainedModel m = new Trainer(config, System.out::println).train(data)) {
            Path dir = m.export(Path.of(args[1]), args.length > 3 ? args[3] : null);
            System.out.println("model written to " + dir);
        }
    }
}
