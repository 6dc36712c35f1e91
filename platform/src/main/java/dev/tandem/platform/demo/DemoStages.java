package dev.tandem.platform.demo;

import java.nio.file.Path;
import java.util.List;

/**
 * The demo's pipeline, in order: the cluster, the generator, the features app (it reads events; done
 * once it has processed them all, then shows a few users' features through its HTTP API), scoring
 * (trains or reuses a small model, runs the Flink scoring job, sends a few requests and prints their
 * predictions), serving (a Connect sink from {@code predictions} into a store, and the recommendations API reading
 * it), monitoring (the monitoring app grades the model online on the
 * log's validation exposures and prints the per-stage AUC and ECE as labels arrive), and the live view. The live view stays last because it decides when the demo has shown everything.
 */
public final class DemoStages {
    private DemoStages() {}

    /** Where the demo keeps the models it trains (and reuses them from), relative to the working directory. */
    public static final Path DEFAULT_MODELS_DIR = Path.of(".tandem", "models");

    /** @param redisUrl serve from Redis at this URL, or null for an SQLite file in a temp dir */
    public static List<DemoStage> standard(Path modelsDir, String redisUrl) {
        return List.of(
                new ClusterStage(),
                new GeneratorStage(),
                new FeaturesStage(),
                new ScoringStage(modelsDir),
                new ServingStage(redisUrl),
                new MonitoringStage(),
                new LiveViewStage());
    }
}
