package dev.tandem.platform.demo;

import java.nio.file.Path;
import java.util.List;

/**
 * The demo's pipeline, in order: the cluster, the generator, the features app (it reads events; done
 * once it has processed them all, then shows a few users' features through its HTTP API), scoring
 * (trains or reuses a small model, runs the Flink scoring job, sends a few requests and prints their
 * predictions), and the live view. Monitoring joins after scoring; the live view stays last
 * because it decides when the demo has shown everything.
 */
public final class DemoStages {
    private DemoStages() {}

    /** Where the demo keeps the models it trains (and reuses them from), relative to the working directory. */
    public static final Path DEFAULT_MODELS_DIR = Path.of(".tandem", "models");

    public static List<DemoStage> standard() {
        return standard(DEFAULT_MODELS_DIR);
    }

    public static List<DemoStage> standard(Path modelsDir) {
        return List.of(
                new ClusterStage(),
                new GeneratorStage(),
                new FeaturesStage(),
                new ScoringStage(modelsDir),
                new LiveViewStage());
    }
}
