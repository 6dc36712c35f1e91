package dev.tandem.bench;

import dev.tandem.bench.features.FeaturesScenario;
import dev.tandem.bench.model.ModelScenario;
import dev.tandem.bench.monitoring.MonitoringScenario;
import dev.tandem.bench.replay.ReplayScenario;
import dev.tandem.bench.scale.ScaleScenario;
import dev.tandem.bench.scoring.ScoringScenario;
import dev.tandem.bench.serving.ServingScenario;
import java.util.List;

/** Every benchmark scenario. Each module's scenarios are registered here. */
final class BenchScenarios {
    private BenchScenarios() {}

    static List<BenchScenario> all() {
        return List.of(
                scenario("replay", new ReplayScenario()),
                scenario("features", new FeaturesScenario()),
                scenario("model", new ModelScenario()),
                scenario("scoring", new ScoringScenario()),
                scenario("serving", new ServingScenario()),
                scenario("monitoring", new MonitoringScenario()),
                scenario("scale", new ScaleScenario()));
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
