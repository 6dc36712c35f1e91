package dev.tandem.bench.scoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.scoring.ScoringRuns.Latency;
import dev.tandem.bench.scoring.ScoringRuns.Shared;
import dev.tandem.bench.scoring.ScoringRuns.Swap;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.zoo.ModelConfig;
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
import java.util.SortedMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The Flink scoring job end to end on a real broker, against the raw TensorFlow ceiling of the same model, per model
 * architecture, in one run. See bench/README.md and docs/benchmarks.md for the method.
 */
@Command(
        name = "scoring",
        mixinStandardHelpOptions = true,
        description = {
            "Scoring job (flink-inference): raw TF ceiling of the model (one session per core, full batches, best batch size), the job's",
            "candidate predictions/s from scoring-requests to predictions (exactly once, read_committed), the same job record",
            "by record, and request → prediction p50/p99 latency at a fixed request rate; per model architecture (--model)."
        })
public final class ScoringScenario extends ScoringOptions {
    /** The funnel stages every bench model predicts (and the serving bench ranks by). */
    public static final List<String> STAGES = List.of("CART", "PURCHASE");

    private PrintWriter out;
    private List<String> names;
    private ScoringRuns runs;

    @Override
    protected String scenario() {
        return "scoring";
    }

    @Override
    protected void validate() {
        CommandLine cl = spec.commandLine();
        names = modelNames(cl);
        applyDefaults();
        validate(cl);
    }

    @Override
    protected String details() {
        return "; models " + String.join(", ", names);
    }

    /** The first model's metrics at the top level (as with one model), the bare-Flink reference's, and every model's under "models". */
    @Override
    protected Map<String, Object> measure(BenchEnvironment env, PrintWriter printer) throws Exception {
        out = printer;
        runs = new ScoringRuns(out, candidates, rate, warmupSeconds, latencySeconds);
        Path modelRoot = modelCache != null
                ? Files.createDirectories(modelCache)
                : Files.createTempDirectory("tandem-bench-scoring-models-");
        Map<String, Map<String, Number>> perModel = new LinkedHashMap<>();
        Map<String, Number> bare;
        try {
            long t0 = System.nanoTime();
            ScoringWorkload workload = ScoringWorkload.generate(users, items, events, candidates, seed);
            say(
                    "generated %,d events of %,d users over %,d items in %.1f s",
                    workload.log.size(),
                    workload.features.size(),
                    workload.catalog.size(),
                    (System.nanoTime() - t0) / 1e9);
            Shared shared = workload.prefill(env, requests, line -> say("%s", line));
            bare = measureBareFlink(env, workload, shared);
            for (String name : names) {
                perModel.put(name, measureModel(env, workload, shared, name, modelRoot));
            }
        } finally {
            if (modelCache == null) FileTrees.delete(modelRoot);
        }
        Map<String, Object> metrics =
                new LinkedHashMap<>(perModel.values().iterator().next());
        metrics.putAll(bare);
        metrics.put("model", names.get(0));
        metrics.put("models", perModel);
        return metrics;
    }

    /** The zoo's configurations by name, {@code <architecture>-<sequenceEncoder>}; the default first. */
    public static List<String> zooNames() {
        List<String> all = new ArrayList<>(List.of(DEFAULT_MODEL));
        for (String a : ModelConfig.ARCHITECTURES) {
            for (String e : ModelConfig.SEQUENCE_ENCODERS) {
                String n = a + "-" + e;
                if (!all.contains(n)) all.add(n);
            }
        }
        return all;
    }

    private List<String> modelNames(CommandLine cl) {
        List<String> zoo = zooNames();
        List<String> out = new ArrayList<>();
        for (String m : models) {
            String name = m.trim();
            if (name.equals("all")) {
                zoo.forEach(z -> {
                    if (!out.contains(z)) out.add(z);
                });
            } else if (zoo.contains(name)) {
                if (!out.contains(name)) out.add(name);
            } else {
                throw new CommandLine.ParameterException(
                        cl, "unknown --model '" + name + "', one of: all, " + String.join(", ", zoo));
            }
        }
        return out;
    }

    private void applyDefaults() {
        // --quick runs every step with the least work that still gives each figure: it checks the keys, not the rates
        if (requests == null) requests = quick ? 600 : 2_000_000;
        if (users == null) users = quick ? 100 : 20_000;
        if (items == null) items = quick ? 500 : 20_000;
        if (events == null) events = quick ? 2_500L : 200_000L;
        if (rate == null) rate = quick ? 300.0 : 2_000.0;
        if (warmupSeconds == null) warmupSeconds = quick ? 0.5 : 5.0;
        if (latencySeconds == null) latencySeconds = quick ? 1.0 : 20.0;
        if (rawSeconds == null) rawSeconds = quick ? 0.15 : 2.0;
        if (perRecordSeconds == null) perRecordSeconds = quick ? 1.0 : 20.0;
    }

    /** The config every --model starts from (--config, else the defaults), read when the flags are checked. */
    private ModelConfig baseModel = ModelConfig.defaults();

    private void validate(CommandLine cl) {
        baseModel = baseConfig(cl);
        if (requests < 10) throw new CommandLine.ParameterException(cl, "--requests must be >= 10, got " + requests);
        if (candidates < 1)
            throw new CommandLine.ParameterException(cl, "--candidates must be >= 1, got " + candidates);
        if (users < 10 || items < 100)
            throw new CommandLine.ParameterException(cl, "--users must be >= 10 and --items >= 100");
        if (events < 1_000) throw new CommandLine.ParameterException(cl, "--events must be >= 1000, got " + events);
        if (epochs < 1) throw new CommandLine.ParameterException(cl, "--epochs must be >= 1, got " + epochs);
        if (maxBatchRows < candidates) {
            throw new CommandLine.ParameterException(
                    cl, "--max-batch-rows must be >= --candidates (" + candidates + "), got " + maxBatchRows);
        }
        if (parallelism < 1)
            throw new CommandLine.ParameterException(cl, "--parallelism must be >= 1, got " + parallelism);
        if (checkpointInterval.isZero()
                || checkpointInterval.isNegative()
                || latencyCheckpointInterval.isZero()
                || latencyCheckpointInterval.isNegative()) {
            throw new CommandLine.ParameterException(
                    cl, "checkpoint intervals must be > 0 (the exactly-once sink commits on checkpoints)");
        }
        if (!(rate > 0)) throw new CommandLine.ParameterException(cl, "--rate must be > 0, got " + rate);
        for (int b : rawBatches)
            if (b < 1) throw new CommandLine.ParameterException(cl, "--raw-batches must be >= 1, got " + b);
        if (!(latencySeconds > 0) || !(rawSeconds > 0) || !(perRecordSeconds > 0) || warmupSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "durations must be > 0");
        }
    }

    /**
     * {@link BareFlinkJob} on the same topics and settings as the scoring job's runs: Flink's own throughput and latency
     * here, the part of every figure that no scoring job on Flink can win back.
     */
    private Map<String, Number> measureBareFlink(BenchEnvironment env, ScoringWorkload w, Shared shared)
            throws Exception {
        say("");
        say(
                "== bare Flink (Kafka in, keyBy + keyed-state read, Kafka out exactly once; no decoding, catalog or model) ==");
        ScoringConfig base = ScoringConfig.builder()
                .parallelism(parallelism)
                .batching(maxBatchRows, maxWait)
                .build();
        Map<String, Number> m = new LinkedHashMap<>();
        if (!latencyOnly) {
            double rate = runs.throughput(
                    env,
                    shared,
                    base.toBuilder().checkpointInterval(checkpointInterval).build(),
                    null,
                    true,
                    requests,
                    ScoringRuns.RUN_TIMEOUT,
                    "bare flink",
                    null);
            m.put("bare_flink_predictions_per_sec", Math.round(rate));
        }
        Latency l = runs.latency(
                env,
                w,
                shared,
                base.toBuilder().checkpointInterval(latencyCheckpointInterval).build(),
                null,
                true);
        m.put("bare_flink_p50_latency_ms", l.p50Ms());
        m.put("bare_flink_p99_latency_ms", l.p99Ms());
        return m;
    }

    private Map<String, Number> measureModel(
            BenchEnvironment env, ScoringWorkload w, Shared shared, String name, Path modelRoot) throws Exception {
        int dash = name.indexOf('-');
        ModelConfig config = baseModel
                .withName("bench-" + name)
                .withArchitecture(name.substring(0, dash), name.substring(dash + 1))
                .withTraining(0.003, 256, epochs, epochs, seed);
        say("");
        say("== %s ==", name);
        // the data and training settings are in the version, so a --model-cache never serves a model of other data
        String key = String.format(
                Locale.ROOT, "s%d-u%d-i%d-e%d-ep%d-%s", seed, users, items, events, epochs, config.fingerprint());
        Path modelDir = w.trainedModel(config, modelRoot, key + "-v1", line -> say("%s", line));
        ScoringConfig base = ScoringConfig.builder()
                .model(modelDir.toString(), STAGES)
                .parallelism(parallelism)
                .batching(maxBatchRows, maxWait)
                .build();

        Map<String, Number> m = new LinkedHashMap<>();
        if (latencyOnly) {
            putLatency(m, latencies(env, w, shared, base, config, modelRoot, key));
            m.put("requests_per_sec_offered", rate);
            m.put("latency_checkpoint_interval_ms", latencyCheckpointInterval.toMillis());
            return m;
        }
        List<Integer> rawSizes = new ArrayList<>(rawBatches);
        rawSizes.add(maxBatchRows);
        SortedMap<Integer, Double> rawRates =
                RawTfCeiling.measure(modelDir, STAGES, w, rawSizes, parallelism, rawSeconds / 3, rawSeconds);
        int bestBatch = RawTfCeiling.best(rawRates);
        double raw = rawRates.get(bestBatch);
        StringBuilder sweep = new StringBuilder();
        rawRates.forEach((b, r) ->
                sweep.append(String.format(Locale.ROOT, "%s%d: %,.0f", sweep.length() == 0 ? "" : ", ", b, r)));
        say(
                "raw TF:        %,12.0f predictions/s (%d sessions, best batch %d, reused tensors; by batch: %s)",
                raw, parallelism, bestBatch, sweep);

        double batched = runs.throughput(
                env,
                shared,
                base.toBuilder().checkpointInterval(checkpointInterval).build(),
                null,
                requests,
                ScoringRuns.RUN_TIMEOUT,
                "batched");
        // Record by record = one session call per candidate, what a Flink map calling TF per record does. One call
        // per request already batches its candidates (20 rows): kept as per_request_ for reference.
        double perRecord = runs.throughput(
                env,
                shared,
                base.toBuilder()
                        .batching(candidates, maxWait)
                        .checkpointInterval(checkpointInterval)
                        .build(),
                PerCandidateScorer.factory(modelDir, STAGES),
                requests,
                Duration.ofMillis((long) (perRecordSeconds * 1000)),
                "per-record");
        double perRequest = runs.throughput(
                env,
                shared,
                base.toBuilder()
                        .batching(candidates, maxWait)
                        .checkpointInterval(checkpointInterval)
                        .build(),
                null,
                requests,
                Duration.ofMillis((long) (perRecordSeconds * 1000)),
                "per-request");
        double plumbing = runs.throughput(
                env,
                shared,
                base.toBuilder().checkpointInterval(checkpointInterval).build(),
                NoModelScorer.factory(modelDir, STAGES),
                requests,
                ScoringRuns.RUN_TIMEOUT,
                "no model");
        Latencies latencies = latencies(env, w, shared, base, config, modelRoot, key);
        Latency steady = latencies.steady();

        m.put("raw_tf_predictions_per_sec", Math.round(raw));
        m.put("raw_tf_best_batch", bestBatch);
        m.put("predictions_per_sec", Math.round(batched));
        m.put("per_record_predictions_per_sec", Math.round(perRecord));
        m.put("ratio_to_raw_tf", round3(batched / raw));
        m.put("ratio_to_per_record", round3(batched / perRecord));
        m.put("per_request_predictions_per_sec", Math.round(perRequest));
        m.put("ratio_to_per_request", round3(batched / perRequest));
        m.put("no_model_predictions_per_sec", Math.round(plumbing));
        putLatency(m, latencies);
        rawRates.forEach((b, r) -> m.put("raw_tf_predictions_per_sec_b" + b, Math.round(r)));
        m.put("raw_tf_sessions", parallelism);
        m.put("requests_per_sec_offered", rate);
        m.put("latency_requests_measured", steady.count());
        m.put("candidates_per_request", candidates);
        m.put("throughput_requests", requests);
        m.put("max_batch_rows", maxBatchRows);
        m.put("max_wait_ms", maxWait.toMillis());
        m.put("parallelism", parallelism);
        m.put("checkpoint_interval_ms", checkpointInterval.toMillis());
        m.put("latency_checkpoint_interval_ms", latencyCheckpointInterval.toMillis());
        say(
                "%s: end to end %,.0f predictions/s = %.0f %% of raw TF, %.1f × record by record (%,.0f/s); latency at %,.0f requests/s p50 %.1f ms, p99 %.1f ms, during a swap p99 %.1f ms; the job with no model %,.0f/s",
                name,
                batched,
                100 * batched / raw,
                batched / perRecord,
                perRecord,
                rate,
                steady.p50Ms(),
                steady.p99Ms(),
                latencies.swap().p99Ms(),
                plumbing);
        return m;
    }

    /** The steady latency run and the swap run, in which a second version of the model (trained here) is activated. */
    private record Latencies(Latency steady, Latency swap) {}

    private Latencies latencies(
            BenchEnvironment env,
            ScoringWorkload w,
            Shared shared,
            ScoringConfig base,
            ModelConfig config,
            Path modelRoot,
            String key)
            throws Exception {
        ScoringConfig latencyConfig =
                base.toBuilder().checkpointInterval(latencyCheckpointInterval).build();
        Latency steady = runs.latency(env, w, shared, latencyConfig, null);
        Path v2 = w.trainedModel(
                config.withTraining(0.003, 256, epochs, epochs, seed + 1),
                modelRoot,
                key + "-v2",
                line -> say("%s", line));
        Latency swap = runs.latency(env, w, shared, latencyConfig, new Swap(config.name(), key + "-v2", v2));
        return new Latencies(steady, swap);
    }

    private static void putLatency(Map<String, Number> m, Latencies latencies) {
        Latency steady = latencies.steady();
        Latency swap = latencies.swap();
        m.put("p50_latency_ms", steady.p50Ms());
        m.put("p99_latency_ms", steady.p99Ms());
        m.put("p999_latency_ms", steady.p999Ms());
        m.put("max_latency_ms", steady.maxMs());
        m.put("sender_lag_p99_ms", steady.senderLagP99Ms());
        m.put("send_to_join_p50_ms", steady.toJoin().p50Ms());
        m.put("send_to_join_p99_ms", steady.toJoin().p99Ms());
        m.put("join_to_scored_p50_ms", steady.toScored().p50Ms());
        m.put("join_to_scored_p99_ms", steady.toScored().p99Ms());
        m.put("scored_to_visible_p50_ms", steady.toVisible().p50Ms());
        m.put("scored_to_visible_p99_ms", steady.toVisible().p99Ms());
        m.put("swap_p99_latency_ms", swap.p99Ms());
        m.put("swap_ratio_to_steady_p99", round3(swap.p99Ms() / steady.p99Ms()));
        m.put("swap_p50_latency_ms", swap.p50Ms());
        m.put("swap_max_latency_ms", swap.maxMs());
    }

    private static double round3(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
