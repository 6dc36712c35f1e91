package dev.tandem.bench.scale;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.BenchReport;
import dev.tandem.bench.ScenarioCommand;
import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.bench.features.FeaturesScale;
import dev.tandem.bench.scoring.BenchJob.CheckpointStats;
import dev.tandem.bench.scoring.CatalogStateOption;
import dev.tandem.bench.scoring.CheckpointPhases;
import dev.tandem.bench.scoring.ScoringRuns.Latency;
import dev.tandem.bench.scoring.ScoringScale;
import dev.tandem.bench.scoring.ScoringScenario;
import dev.tandem.bench.scoring.ScoringWorkload;
import dev.tandem.bench.scoring.StateBackend;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The features app and the scoring job at several numbers of users, the same events and requests at each: what a user
 * costs in throughput, latency, state and restore time. See bench/README.md and docs/scaling.md.
 */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        description = {
            "Features app and scoring job per number of users (--sizes), the same events and requests at each size (one",
            "world's events spread round robin over the users): events/s, predictions/s (exactly once), request → prediction",
            "p99, checkpoint size and duration, state bytes per user (features store on disk, changelog, Flink), restore of",
            "the features app from its changelog and from a standby replica, and the scoring job's load of the features."
        })
public final class ScaleScenario extends ScenarioCommand {
    @Option(
            names = "--sizes",
            split = ",",
            paramLabel = "USERS,…",
            description = "Numbers of users (default: 10000,100000,1000000; quick 200,2000).")
    List<Integer> sizes;

    @Option(
            names = "--events",
            description = "Events per size, at least the largest size (default: 2000000; quick 4000).")
    Long events;

    @Option(
            names = "--warmup-events",
            description =
                    "Events of an unreported features run before the first size, for the JIT (default: --events / 5; 0: none).")
    Long warmupEvents;

    @Option(names = "--items", description = "Catalog items (default: 20000; quick 500).")
    Integer items;

    @Option(
            names = "--requests",
            description = "Requests pre-filled for each throughput run (default: 100000; quick 300).")
    Integer requests;

    @Option(
            names = "--candidates",
            defaultValue = "20",
            description = "Candidates per request (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--rate", description = "Requests/s of the latency runs (default: 1000; quick 200).")
    Double rate;

    @Option(
            names = "--warmup-seconds",
            description = "Unrecorded seconds at --rate before each latency window (default: 5; quick 0.5).")
    Double warmupSeconds;

    @Option(
            names = "--latency-seconds",
            description = "Measured seconds of each latency window (default: 20; quick 1).")
    Double latencySeconds;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "1s",
            converter = DurationConverter.class,
            description = "Checkpoint interval of the throughput runs (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(
            names = "--latency-checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "100ms",
            converter = DurationConverter.class,
            description =
                    "Checkpoint interval of the latency runs: exactly-once predictions wait for it (default: ${DEFAULT-VALUE}).")
    Duration latencyCheckpointInterval;

    @Option(
            names = "--state-backend",
            defaultValue = "rocksdb",
            description =
                    "The scoring job's state backend: hashmap or rocksdb (incremental) (default: ${DEFAULT-VALUE}).")
    StateBackend stateBackend;

    @Mixin
    CatalogStateOption catalogState;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description = "The scoring job's parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "A ScoringConfig setting for the scoring job's runs (repeatable), e.g. flink.execution.checkpointing.unaligned.enabled=true; applied after --state-backend and --catalog-state.")
    Map<String, String> scoringSettings = new LinkedHashMap<>();

    @Option(
            names = "--quick",
            description = "Small counts and short windows (seconds, for tests); explicit options still win.")
    boolean quick;

    @Option(
            names = "--seed",
            defaultValue = "5",
            description = "Generator, request and model seed (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Users of the generated world whose events are spread over each size's users (its catalog and behaviour). */
    private int worldUsers;

    @Override
    protected String scenario() {
        return "scale";
    }

    @Override
    protected void validate() {
        if (sizes == null) sizes = quick ? List.of(200, 2_000) : List.of(10_000, 100_000, 1_000_000);
        if (events == null) events = quick ? 4_000L : 2_000_000L;
        if (items == null) items = quick ? 500 : 20_000;
        if (warmupEvents == null) warmupEvents = events / 5;
        if (requests == null) requests = quick ? 300 : 100_000;
        if (rate == null) rate = quick ? 200.0 : 1_000.0;
        if (warmupSeconds == null) warmupSeconds = quick ? 0.5 : 5.0;
        if (latencySeconds == null) latencySeconds = quick ? 1.0 : 20.0;
        worldUsers = quick ? 100 : 10_000;
        CommandLine cl = spec.commandLine();
        sizes = List.copyOf(new TreeSet<>(sizes));
        if (sizes.isEmpty() || sizes.get(0) < 10)
            throw new CommandLine.ParameterException(cl, "--sizes must name at least one size, each >= 10 users");
        int largest = sizes.get(sizes.size() - 1);
        if (events < largest)
            throw new CommandLine.ParameterException(
                    cl,
                    "--events must be at least the largest size (" + largest + ") so every user has an event, got "
                            + events);
        if (warmupEvents < 0) throw new CommandLine.ParameterException(cl, "--warmup-events must be >= 0");
        if (items < 100) throw new CommandLine.ParameterException(cl, "--items must be >= 100");
        if (requests < 10 || candidates < 1)
            throw new CommandLine.ParameterException(cl, "--requests must be >= 10 and --candidates >= 1");
        if (!(rate > 0) || !(latencySeconds > 0) || warmupSeconds < 0)
            throw new CommandLine.ParameterException(cl, "--rate and --latency-seconds must be > 0");
        if (parallelism < 1) throw new CommandLine.ParameterException(cl, "--parallelism must be >= 1");
        if (checkpointInterval.isZero()
                || checkpointInterval.isNegative()
                || latencyCheckpointInterval.isZero()
                || latencyCheckpointInterval.isNegative())
            throw new CommandLine.ParameterException(cl, "checkpoint intervals must be > 0");
    }

    @Override
    protected String details() {
        return String.format(
                Locale.ROOT, "; sizes %s users, %,d events and %,d requests each", sizes, events, requests);
    }

    @Override
    protected Map<String, ?> measure(BenchEnvironment env, PrintWriter out) throws Exception {
        Path work = Files.createTempDirectory("tandem-bench-scale-");
        Map<String, Number> m = new LinkedHashMap<>();
        Map<Integer, Size> bySize = new LinkedHashMap<>();
        long catchUpIntervalMs;
        try (FeaturesScale features = new FeaturesScale(env, out, Map.of())) {
            long t0 = System.nanoTime();
            Path model = ScoringScale.model(
                    work.resolve("models"), worldUsers, items, Math.min(events, 200_000L), candidates, seed, out);
            say(out, "model trained in %.1f s: %s", (System.nanoTime() - t0) / 1e9, model);
            ScoringConfig base = ScoringConfig.builder()
                    .model(model.toString(), ScoringScenario.STAGES)
                    .parallelism(parallelism)
                    .checkpointDir(work.resolve("checkpoints").toUri().toString())
                    .setAll(stateBackend.flinkSettings())
                    .setAll(catalogState.settings())
                    .setAll(scoringSettings)
                    .build();
            // the latency runs' interval while their job reads the features (the throughput runs' is the same or
            // longer)
            catchUpIntervalMs = ScoringJob.backlogInterval(base.toBuilder()
                            .checkpointInterval(latencyCheckpointInterval)
                            .build())
                    .toMillis();
            ScoringScale scoring = new ScoringScale(
                    out,
                    candidates,
                    rate,
                    warmupSeconds,
                    latencySeconds,
                    requests,
                    base,
                    checkpointInterval,
                    latencyCheckpointInterval);
            if (warmupEvents > 0) {
                say(out, "");
                say(
                        out,
                        "== warm-up (not reported): the features app on %,d events of %,d users ==",
                        warmupEvents,
                        sizes.get(0));
                features.warmUp(
                        SyntheticWorld.create(GeneratorConfig.of(worldUsers, items, warmupEvents, seed + 1)),
                        warmupEvents,
                        sizes.get(0));
            }
            for (int n : sizes) {
                say(out, "");
                say(
                        out,
                        "== %,d users: %,d events (%.1f per user), %,d requests ==",
                        n,
                        events,
                        (double) events / n,
                        requests);
                SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(worldUsers, items, events, seed));
                FeaturesScale.Result f = features.measure(world, events, n);
                List<String> users =
                        IntStream.range(0, n).mapToObj(FeaturesScale::userId).toList();
                ScoringWorkload w = ScoringWorkload.ofUsers(world, users, f.lastEventTimeMs(), candidates, seed);
                ScoringScale.Result s = scoring.measure(env, w, f.outputTopic());
                Size size = new Size(f, s);
                bySize.put(n, size);
                put(m, n, size);
            }
        } finally {
            FileTrees.deleteQuietly(work);
        }
        putComparison(m, bySize, out);
        m.put("events", events);
        m.put("requests", requests);
        m.put("candidates_per_request", candidates);
        m.put("requests_per_sec_offered", rate);
        m.put("checkpoint_interval_ms", checkpointInterval.toMillis());
        m.put("latency_checkpoint_interval_ms", latencyCheckpointInterval.toMillis());
        m.put("catch_up_checkpoint_interval_ms", catchUpIntervalMs);
        m.put("parallelism", parallelism);
        m.put("partitions", env.partitions());
        Map<String, Object> all = new LinkedHashMap<>(m);
        all.put("state_backend", stateBackend.name());
        all.put("catalog_state", catalogState.value());
        return all;
    }

    private record Size(FeaturesScale.Result features, ScoringScale.Result scoring) {}

    private static void put(Map<String, Number> m, int n, Size size) {
        FeaturesScale.Result f = size.features();
        Latency l = size.scoring().latency();
        CheckpointStats c = l.checkpoints();
        m.put("events_per_sec_" + n, Math.round(f.eventsPerSec()));
        m.put("predictions_per_sec_" + n, Math.round(size.scoring().predictionsPerSec()));
        m.put("store_bytes_per_user_" + n, Math.round((double) f.store().asLeftBytes() / n));
        m.put(
                "store_compacted_bytes_per_user_" + n,
                Math.round((double) f.store().compactedBytes() / n));
        m.put("store_live_bytes_per_user_" + n, Math.round((double) f.store().liveBytes() / n));
        m.put("changelog_bytes_per_user_" + n, Math.round((double) f.changelogBytes() / n));
        m.put("p50_latency_ms_" + n, l.p50Ms());
        m.put("p99_latency_ms_" + n, l.p99Ms());
        if (c != null) {
            m.put("checkpoint_bytes_" + n, Math.round(c.checkpointedBytesAvg()));
            m.put("checkpoint_state_bytes_" + n, Math.round(c.stateBytesAvg()));
            m.put("flink_state_bytes_per_user_" + n, Math.round(c.stateBytesAvg() / n));
            m.put("checkpoint_p99_ms_" + n, c.durationP99Ms());
            m.put("checkpoints_completed_" + n, c.completed());
            m.put("checkpoints_failed_" + n, c.failed());
            putPhases(m, Integer.toString(n), c.phases());
        }
        CheckpointStats load = l.loadCheckpoints();
        if (load != null) {
            // the features read from the topic: a catch-up, checkpointed at the interval during backlog
            m.put("checkpoint_p99_ms_catch_up_" + n, load.durationP99Ms());
            m.put("checkpoint_bytes_catch_up_" + n, Math.round(load.checkpointedBytesAvg()));
            m.put("checkpoints_completed_catch_up_" + n, load.completed());
            putPhases(m, "catch_up_" + n, load.phases());
        }
        CheckpointStats whole = l.jobCheckpoints();
        if (whole != null) {
            // with the features load before the window: a bulk bootstrap, not the steady state the latency measures
            m.put("checkpoint_p99_ms_whole_job_" + n, whole.durationP99Ms());
            m.put("checkpoint_bytes_whole_job_" + n, Math.round(whole.checkpointedBytesAvg()));
            m.put("checkpoints_completed_whole_job_" + n, whole.completed());
        }
        m.put("restore_s_" + n, round2(f.restoreSeconds()));
        m.put("restored_records_" + n, f.restoredRecords());
        m.put("standby_catch_up_s_" + n, round2(f.standbyCatchUpSeconds()));
        m.put("restore_standby_s_" + n, round2(f.promotionSeconds()));
        m.put("scoring_load_s_" + n, round2(l.featuresLoadSeconds()));
        m.put("scoring_restore_s_" + n, round2(size.scoring().restoreSeconds()));
    }

    /** Where the window's slowest checkpoints spent their time (medians, ms; {@link CheckpointPhases}). */
    private static void putPhases(Map<String, Number> m, String suffix, CheckpointPhases p) {
        if (p == null) return;
        m.put("checkpoint_slowest_ms_" + suffix, p.durationMs());
        m.put("checkpoint_slowest_start_delay_ms_" + suffix, p.startDelayMs());
        m.put("checkpoint_slowest_alignment_ms_" + suffix, p.alignmentMs());
        m.put("checkpoint_slowest_sync_ms_" + suffix, p.syncMs());
        m.put("checkpoint_slowest_async_ms_" + suffix, p.asyncMs());
        m.put("checkpoint_slowest_rest_ms_" + suffix, p.restMs());
    }

    /**
     * Smallest against largest size: the ratios the targets are about, and the Flink state a user adds (the
     * difference of the two states over the difference of users: the catalog, offsets and model state cancel out).
     */
    private void putComparison(Map<String, Number> m, Map<Integer, Size> bySize, PrintWriter out) {
        List<Integer> ns = new ArrayList<>(bySize.keySet());
        int lo = ns.get(0);
        int hi = ns.get(ns.size() - 1);
        Size a = bySize.get(lo);
        Size b = bySize.get(hi);
        say(out, "");
        say(out, "summary:");
        for (int n : ns) {
            Size s = bySize.get(n);
            Latency l = s.scoring().latency();
            CheckpointStats c = l.checkpoints();
            say(
                    out,
                    "  %,9d users: %,8.0f events/s, %,8.0f predictions/s, p99 %6.1f ms, checkpoints p99 %s ms, %s B written each;"
                            + " store %,d B/user, restore %.2f s (changelog) / %.2f s (standby), scoring load %.2f s,"
                            + " restore from a checkpoint %.2f s",
                    n,
                    s.features().eventsPerSec(),
                    s.scoring().predictionsPerSec(),
                    l.p99Ms(),
                    c == null ? "?" : String.format(Locale.ROOT, "%.0f", c.durationP99Ms()),
                    c == null ? "?" : String.format(Locale.ROOT, "%,.0f", c.checkpointedBytesAvg()),
                    Math.round((double) s.features().store().asLeftBytes() / n),
                    s.features().restoreSeconds(),
                    s.features().promotionSeconds(),
                    l.featuresLoadSeconds(),
                    s.scoring().restoreSeconds());
        }
        if (lo == hi) return;
        String suffix = "_" + hi + "_to_" + lo;
        double events = b.features().eventsPerSec() / a.features().eventsPerSec();
        double predictions = b.scoring().predictionsPerSec() / a.scoring().predictionsPerSec();
        double p99 = b.scoring().latency().p99Ms() / a.scoring().latency().p99Ms();
        m.put("events_per_sec_ratio" + suffix, BenchReport.ratio(events));
        m.put("predictions_per_sec_ratio" + suffix, BenchReport.ratio(predictions));
        m.put("p99_latency_ratio" + suffix, BenchReport.ratio(p99));
        CheckpointStats ca = a.scoring().latency().checkpoints();
        CheckpointStats cb = b.scoring().latency().checkpoints();
        if (ca != null && cb != null) {
            m.put(
                    "flink_state_bytes_per_added_user",
                    Math.round((cb.stateBytesAvg() - ca.stateBytesAvg()) / (hi - lo)));
        }
        say(
                out,
                "  %,d → %,d users: events/s × %.3f, predictions/s × %.3f, exactly-once p99 × %.3f",
                lo,
                hi,
                events,
                predictions,
                p99);
    }

    private static double round2(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private static void say(PrintWriter out, String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
