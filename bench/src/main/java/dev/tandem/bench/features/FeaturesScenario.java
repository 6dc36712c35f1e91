package dev.tandem.bench.features;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.ScenarioCommand;
import dev.tandem.bench.features.FeaturesLatency.Latency;
import dev.tandem.bench.features.FeaturesLatency.LatencyRun;
import dev.tandem.bench.features.FeaturesThroughput.Kind;
import dev.tandem.bench.features.FeaturesThroughput.Run;
import dev.tandem.features.FeaturesConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The features app against its baseline, its raw ring reference and its upper bound, its latency per commit interval and
 * its API, in one run. See bench/README.md and docs/benchmarks.md for the method.
 */
@Command(
        name = "features",
        mixinStandardHelpOptions = true,
        description = {
            "Features app: SequenceUpdater.apply ops/s; end-to-end events/s (exactly_once_v2) of the real topology, a naive",
            "Avro-list baseline, a raw-bytes ring reference and a no-logic upper bound on the same input; event → user-features",
            "latency (read_committed) at a fixed rate for several commit.interval.ms; p99 of GET /v1/users/{id}/features from a",
            "second process."
        })
public final class FeaturesScenario extends ScenarioCommand {
    @Option(
            names = "--events",
            defaultValue = "1000000",
            description = "Events pre-loaded for the throughput runs (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(
            names = "--users",
            defaultValue = "0",
            description = "Users (default: events / 100, between 1,000 and 100,000).")
    int users;

    @Option(
            names = "--commit-intervals",
            split = ",",
            paramLabel = "MS,…",
            defaultValue = "20,50,100,200",
            description =
                    "commit.interval.ms values measured (default: ${DEFAULT-VALUE}); the app's default is always included.")
    List<Long> commitIntervals;

    @Option(
            names = "--latency-rate",
            defaultValue = "5000",
            description = "Events/s of the latency runs (default: ${DEFAULT-VALUE}).")
    double latencyRate;

    @Option(
            names = "--latency-seconds",
            defaultValue = "15",
            description = "Measured seconds per latency run (default: ${DEFAULT-VALUE}).")
    double latencySeconds;

    @Option(
            names = "--api-rate",
            defaultValue = "1000",
            description = "Requests/s of the API run (default: ${DEFAULT-VALUE}).")
    double apiRate;

    @Option(
            names = "--api-seconds",
            defaultValue = "15",
            description = "Measured seconds of the API run (default: ${DEFAULT-VALUE}).")
    double apiSeconds;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "3",
            description = "Unrecorded seconds before latency and API measurements (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(
            names = "--apply-seconds",
            defaultValue = "1",
            description =
                    "Length of each of the 3 warm-up and 5 measured apply iterations (default: ${DEFAULT-VALUE}).")
    double applySeconds;

    @Option(names = "--seed", defaultValue = "11", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "A FeaturesConfig setting for every run (repeatable); streams.* ones reach the references too.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--rounds",
            defaultValue = "1",
            description =
                    "Throughput rounds (real, user path, baseline, raw ring, upper bound in turn, same input); figures are medians (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--warmup-runs",
            defaultValue = "1",
            description =
                    "Unreported throughput runs of the real topology first, so the JIT and the broker are warm for every measured kind (default: ${DEFAULT-VALUE}).")
    int warmupRuns;

    @Option(names = "--throughput-only", description = "Skip the latency and API runs (experiments).")
    boolean throughputOnly;

    @Option(
            names = "--uncached-references",
            description =
                    "Baseline and raw ring stores without the record cache the real app's store has (the definition before 2026-11-26); the upper bound's too.")
    boolean uncachedReferences;

    @Override
    protected String scenario() {
        return "features";
    }

    @Override
    protected void validate() {
        CommandLine cl = spec.commandLine();
        if (events < 1) throw new CommandLine.ParameterException(cl, "--events must be >= 1, got " + events);
        if (rounds < 1) throw new CommandLine.ParameterException(cl, "--rounds must be >= 1");
        if (warmupRuns < 0) throw new CommandLine.ParameterException(cl, "--warmup-runs must be >= 0");
        if (users < 0) throw new CommandLine.ParameterException(cl, "--users must be >= 0");
        for (long c : commitIntervals)
            if (c < 1) throw new CommandLine.ParameterException(cl, "--commit-intervals must be >= 1 ms");
        if (latencyRate <= 0 || apiRate <= 0) throw new CommandLine.ParameterException(cl, "rates must be > 0");
        if (latencySeconds <= 0 || apiSeconds <= 0 || applySeconds <= 0 || warmupSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "durations must be > 0");
        }
    }

    private FeaturesRunContext ctx;

    @Override
    protected Map<String, Number> measure(BenchEnvironment env, PrintWriter out) throws Exception {
        FeaturesConfig defaults = FeaturesConfig.defaults();
        long defaultCommit = defaults.commitIntervalMs();
        Set<Long> intervals = new TreeSet<>(commitIntervals);
        intervals.add(defaultCommit);
        int nUsers = users > 0 ? users : (int) Math.max(1_000, Math.min(100_000, events / 100));
        Map<String, Number> m = new LinkedHashMap<>();
        try (FeaturesRunContext context = new FeaturesRunContext(env, out, settings)) {
            ctx = context;
            FeaturesThroughput throughput = new FeaturesThroughput(ctx, events, uncachedReferences);
            // 1. the pure update rule, in this JVM
            double apply = new ApplyThroughput(defaults.policy())
                    .measure(3, 5, Duration.ofMillis((long) (applySeconds * 1000)));
            say(
                    "apply:    %,.0f ops/s (SequenceUpdater.apply, warm sequence, median of 5 × %.1f s after 3 warm-up)",
                    apply, applySeconds);

            // 2. one input for every throughput run
            String input = env.freshTopic("features-in");
            long t0 = System.nanoTime();
            Map<TopicPartition, Long> inputEnd = throughput.preload(input, nUsers, seed);
            say(
                    "pre-loaded %,d events of %,d users into %s (%d partitions) in %.1f s",
                    events, nUsers, input, env.partitions(), (System.nanoTime() - t0) / 1e9);

            Map<Long, List<Double>> realRates = new LinkedHashMap<>();
            List<Double> userPathRates = new ArrayList<>();
            List<Double> baselineRates = new ArrayList<>();
            List<Double> rawRingRates = new ArrayList<>();
            List<Double> boundRates = new ArrayList<>();
            for (int w = 0; w < warmupRuns; w++) {
                say("warm-up run %d of %d (not reported):", w + 1, warmupRuns);
                throughput.run(Kind.REAL, input, inputEnd, defaultCommit);
            }
            for (int r = 0; r < rounds; r++) {
                if (rounds > 1) say("round %d of %d", r + 1, rounds);
                for (long c : intervals) {
                    realRates
                            .computeIfAbsent(c, k -> new ArrayList<>())
                            .add(throughput.run(Kind.REAL, input, inputEnd, c).eventsPerSec());
                }
                userPathRates.add(throughput
                        .run(Kind.USER_PATH, input, inputEnd, defaultCommit)
                        .eventsPerSec());
                baselineRates.add(throughput
                        .run(Kind.BASELINE, input, inputEnd, defaultCommit)
                        .eventsPerSec());
                rawRingRates.add(throughput
                        .run(Kind.RAW_RING, input, inputEnd, defaultCommit)
                        .eventsPerSec());
                boundRates.add(throughput
                        .run(Kind.UPPER_BOUND, input, inputEnd, defaultCommit)
                        .eventsPerSec());
            }
            Map<Long, Run> real = new LinkedHashMap<>();
            realRates.forEach((c, l) -> real.put(c, new Run(median(l))));
            References refs = new References(
                    new Run(median(baselineRates)),
                    new Run(median(rawRingRates)),
                    new Run(median(boundRates)),
                    new Run(median(userPathRates)));
            if (throughputOnly) {
                Run main = real.get(defaultCommit);
                say("");
                say(
                        "summary (throughput only, commit.interval.ms = %d, median of %d round(s)):",
                        defaultCommit, rounds);
                m.put("events_per_sec", Math.round(main.eventsPerSec()));
                putReferences(m, main, refs, throughput.realOutputBytes());
                for (long c : intervals)
                    m.put("events_per_sec_commit_" + c, Math.round(real.get(c).eventsPerSec()));
                return m;
            }

            // 3. latency at a fixed rate, per commit interval; the API on the default's app
            FeaturesLatency latencyRuns =
                    new FeaturesLatency(ctx, latencyRate, latencySeconds, warmupSeconds, apiRate, apiSeconds);
            List<byte[][]> latencyEvents = latencyRuns.events(nUsers, seed);
            Map<Long, Latency> latency = new LinkedHashMap<>();
            Map<String, Number> api = null;
            for (long c : intervals) {
                boolean apiRun = c == defaultCommit;
                LatencyRun lr = latencyRuns.run(latencyEvents, c, apiRun);
                latency.put(c, lr.latency());
                if (apiRun) api = lr.api();
            }

            Run main = real.get(defaultCommit);
            Latency mainLatency = latency.get(defaultCommit);
            m.put("apply_ops_per_sec", Math.round(apply));
            m.put("events_per_sec", Math.round(main.eventsPerSec()));
            say("");
            say("summary (commit.interval.ms = %d, the app's default):", defaultCommit);
            putReferences(m, main, refs, throughput.realOutputBytes());
            m.put("p50_latency_ms", mainLatency.p50Ms());
            m.put("p99_latency_ms", mainLatency.p99Ms());
            m.put("sender_lag_p99_ms", mainLatency.senderLagP99Ms());
            m.put("features_api_p99_ms", api.get("p99_ms"));
            m.put("features_api_p50_ms", api.get("p50_ms"));
            m.put("features_api_p999_ms", api.get("p999_ms"));
            m.put("features_api_requests", api.get("requests"));
            m.put(
                    "features_api_failed_requests",
                    api.get("errors").longValue() + api.get("non_200").longValue());
            m.put("default_commit_interval_ms", defaultCommit);
            for (long c : intervals) {
                m.put("events_per_sec_commit_" + c, Math.round(real.get(c).eventsPerSec()));
                m.put("p50_latency_ms_commit_" + c, latency.get(c).p50Ms());
                m.put("p99_latency_ms_commit_" + c, latency.get(c).p99Ms());
            }
            m.put("events", events);
            m.put("users", nUsers);
            m.put("partitions", env.partitions());
            m.put("latency_events_per_sec", latencyRate);
            m.put("api_requests_per_sec", apiRate);

            for (long c : intervals) {
                say(
                        "  commit %4d ms: %,8.0f events/s, latency p50 %6.1f ms p99 %6.1f ms at %,.0f events/s",
                        c,
                        real.get(c).eventsPerSec(),
                        latency.get(c).p50Ms(),
                        latency.get(c).p99Ms(),
                        latencyRate);
            }
            say(
                    "  API: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms at %,.0f requests/s (second process, open loop)",
                    api.get("p50_ms").doubleValue(),
                    api.get("p99_ms").doubleValue(),
                    api.get("p999_ms").doubleValue(),
                    apiRate);
            return m;
        }
    }

    /** The medians of the runs the real app is compared with: on the same input, one after the other. */
    private record References(Run baseline, Run rawRing, Run upperBound, Run userPath) {}

    /**
     * The real app against its references, and the like-for-like comparison: the real app without its item path
     * (item.stats.enabled=false) does the Kafka work per event of the baseline and the raw ring (one input record, one
     * store write and its changelog, one output); the upper bound does that work with no logic at all.
     */
    private void putReferences(Map<String, Number> m, Run main, References r, int outputBytes) {
        double real = main.eventsPerSec();
        double bound = r.upperBound().eventsPerSec();
        double userPath = r.userPath().eventsPerSec();
        m.put("baseline_events_per_sec", Math.round(r.baseline().eventsPerSec()));
        m.put("ratio_to_baseline", round3(real / r.baseline().eventsPerSec()));
        m.put("raw_ring_reference_events_per_sec", Math.round(r.rawRing().eventsPerSec()));
        m.put("ratio_to_raw_ring_reference", round3(real / r.rawRing().eventsPerSec()));
        m.put("upper_bound_events_per_sec", Math.round(bound));
        m.put("ratio_to_upper_bound", round3(real / bound));
        m.put("upper_bound_output_bytes", outputBytes);
        m.put("user_path_events_per_sec", Math.round(userPath));
        m.put("user_path_ratio_to_baseline", round3(userPath / r.baseline().eventsPerSec()));
        m.put(
                "user_path_ratio_to_raw_ring_reference",
                round3(userPath / r.rawRing().eventsPerSec()));
        m.put("user_path_ratio_to_upper_bound", round3(userPath / bound));
        say(
                "  end to end %,.0f events/s = %.2f × baseline (%,.0f), %.0f %% of the raw ring reference (%,.0f), %.0f %% of the upper bound (%,.0f)",
                real,
                real / r.baseline().eventsPerSec(),
                r.baseline().eventsPerSec(),
                100 * real / r.rawRing().eventsPerSec(),
                r.rawRing().eventsPerSec(),
                100 * real / bound,
                bound);
        say(
                "  like for like (real without the item path): %,.0f events/s = %.2f × baseline, %.0f %% of the raw ring reference, %.0f %% of the upper bound",
                userPath,
                userPath / r.baseline().eventsPerSec(),
                100 * userPath / r.rawRing().eventsPerSec(),
                100 * userPath / bound);
        if (real > bound || userPath > bound) {
            say(
                    "  NOTE: the real app ran above its upper bound (%.0f %%, user path %.0f %%): the bound does a subset of the real app's"
                            + " work, so this is noise (a shared machine; try --rounds 3) or a bound that no longer bounds",
                    100 * real / bound, 100 * userPath / bound);
        }
    }

    private static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private void say(String format, Object... args) {
        ctx.say(format, args);
    }
}
