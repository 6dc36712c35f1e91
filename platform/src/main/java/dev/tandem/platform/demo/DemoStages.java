package dev.tandem.platform.demo;

import java.util.List;

/**
 * The demo's pipeline, in order: the cluster, the generator, the features app (it reads events; done
 * once it has processed them all, then shows a few users' features through its HTTP API), and the
 * live view. Scoring joins after features, monitoring after scoring; the live view stays last
 * because it decides when the demo has shown everything.
 */
public final class DemoStages {
    private DemoStages() {}

    public static List<DemoStage> standard() {
        return List.of(new ClusterStage(), new GeneratorStage(), new FeaturesStage(), new LiveViewStage());
    }
}
