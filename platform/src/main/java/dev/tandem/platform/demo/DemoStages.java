package dev.tandem.platform.demo;

import java.util.List;

/**
 * The demo's pipeline, in order. Later parts of the platform join here: the features app after
 * the generator (it reads events), scoring after features, monitoring after scoring; the live
 * view stays last because it decides when the demo has shown everything.
 */
public final class DemoStages {
    private DemoStages() {}

    public static List<DemoStage> standard() {
        return List.of(new ClusterStage(), new GeneratorStage(), new LiveViewStage());
    }
}
