package dev.tandem.bench.scoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.scoring.ScoringRuns.Latency;
import dev.tandem.bench.scoring.ScoringRuns.Shared;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.zoo.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The scoring job at one number of users, for {@code tandem bench scale}: the same runs as {@code tandem bench scoring}
 * (exactly-once throughput over pre-filled requests; request → prediction latency at a fixed rate, with the job's
 * checkpoint figures), on the users' features as the features app wrote them.
 */
public final class ScoringScale {
    /** @param predictionsPerSec candidate predictions per second in the throughput run's steady window */
    public record Result(double predictionsPerSec, Latency latency) {}

    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(10);

    private final PrintWriter out;
    private final ScoringRuns runs;
    private final int requests;
    private final ScoringConfig throughputConfig;
    private final ScoringConfig latencyConfig;

    /**
     * @param base the job's settings (model, parallelism, batching, state backend, checkpoint dir)
     */
    public ScoringScale(
            PrintWriter out,
            int candidates,
            double rate,
            double warmupSeconds,
            double latencySeconds,
            int requests,
            ScoringConfig base,
            Duration checkpointInterval,
            Duration latencyCheckpointInterval) {
        this.out = out;
        this.runs = new ScoringRuns(out, candidates, rate, warmupSeconds, latencySeconds);
        this.requests = requests;
        this.throughputConfig =
                base.toBuilder().checkpointInterval(checkpointInterval).build();
        this.latencyConfig =
                base.toBuilder().checkpointInterval(latencyCheckpointInterval).build();
    }

    /** The runs on {@code workload}'s requests, its users' features read from {@code featuresTopic}. */
    public Result measure(BenchEnvironment env, ScoringWorkload workload, String featuresTopic) throws Exception {
        Shared shared = workload.prefillCatalog(env, featuresTopic);
        // the requests wait for the features: with millions of users, a job that scores while it loads them would
        // measure the load (and score users it has not read yet)
        double rate = runs.throughput(
                env, shared, throughputConfig, null, false, requests, ScoringRuns.RUN_TIMEOUT, "batched", job -> {
                    long t0 = System.nanoTime();
                    if (!job.awaitFeaturesLoaded(LOAD_TIMEOUT))
                        throw new IllegalStateException("the throughput job did not read the features within "
                                + LOAD_TIMEOUT.toMinutes() + " min");
                    say("    the throughput job read the features in %.1f s", (System.nanoTime() - t0) / 1e9);
                    workload.writeRequests(env, shared.requests(), requests);
                });
        Latency latency = runs.latency(env, workload, shared, latencyConfig, null);
        return new Result(rate, latency);
    }

    /**
     * The bench's model ({@value ScoringOptions#DEFAULT_MODEL}, one epoch) trained on a generated log of
     * {@code users} users, exported under {@code root}: the model does not depend on how many users are scored.
     */
    public static Path model(Path root, int users, int items, long events, int candidates, long seed, PrintWriter out)
            throws Exception {
        String name = ScoringOptions.DEFAULT_MODEL;
        int dash = name.indexOf('-');
        ModelConfig config = ModelConfig.defaults()
                .withName("bench-" + name)
                .withArchitecture(name.substring(0, dash), name.substring(dash + 1))
                .withTraining(0.003, 256, 1, 1, seed);
        ScoringWorkload w = ScoringWorkload.generate(users, items, events, candidates, seed);
        return w.trainedModel(config, root, "v1", line -> {
            out.println("    " + line);
            out.flush();
        });
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
