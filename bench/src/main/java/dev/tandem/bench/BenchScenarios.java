package dev.tandem.bench;

import dev.tandem.bench.features.FeaturesScenario;
import dev.tandem.bench.model.ModelScenario;
import dev.tandem.bench.replay.ReplayScenario;
import dev.tandem.bench.scoring.ScoringScenario;
import java.util.List;

/** Every benchmark scenario. Later modules add theirs (features, model, scoring) here. */
final class BenchScenarios {
    private BenchScenarios() {}

    static List<BenchScenario> all() {
        return List.of(
                scenario("replay", new ReplayScenario()),
                scenario("features", new FeaturesScenario()),
                scenario("model", new ModelScenario()),
                scenario("scoring", new ScoringScenario()));
    }

    static BenchScenario scenario(String name, Object command) {
        return new BenchScenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object command() {
                return command;
            }
        };
    }
}
