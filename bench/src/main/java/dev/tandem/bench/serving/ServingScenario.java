package dev.tandem.bench.serving;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.GcPauses;
import dev.tandem.bench.features.ApiLoadGenerator;
import dev.tandem.bench.scoring.BenchJob;
import dev.tandem.bench.scoring.ScoringRuns;
import dev.tandem.bench.scoring.ScoringScenario;
import dev.tandem.bench.scoring.ScoringWorkload;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringConfig.Delivery;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The serving path after the scoring job, in one run: the Redis and JDBC sink connectors in a real Connect worker
 * against the same writes made directly, request → recommendation readable in Redis for each delivery mode of the
 * scoring job (and the bare-Flink reference's exactly-once latency), and the recommendations API against plain Redis
 * GETs of the same keys from a second process. See bench/README.md and docs/benchmarks.md for the method.
 */
@Command(
        name = "serving",
        mixinStandardHelpOptions = true,
        description = {
            "Serving path: Redis and JDBC sink connectors (real Connect worker) vs direct pipelined/batched writes of the same",
            "documents; request → recommendation readable in Redis per scoring delivery mode (and bare Flink exactly once);",
            "the recommendations API vs raw Redis GETs from a second process. Needs Redis and PostgreSQL (--redis, --postgres)."
        })
public final class ServingScenario extends ServingOptions {
    private PrintWriter out;

    @Override
    protected String scenario() {
        return "serving";
    }

    @Override
    protected void validate() {
        CommandLine cl = spec.commandLine();
        applyDefaults();
        validateOptions(cl);
        if (!ScoringScenario.zooNames().contains(model))
            throw new CommandLine.ParameterException(
                    cl, "unknown --model '" + model + "', one of: " + String.join(", ", ScoringScenario.zooNames()));
        // before any broker starts: a store that does not answer is one line, not minutes of set-up
        ServingStores.requireRedis(redis);
        ServingStores.requirePostgres(postgres, postgresUser, postgresPassword);
    }

    @Override
    protected Map<String, Object> measure(BenchEnvironment env, PrintWriter printer) throws Exception {
        out = printer;
        Map<String, Object> m = new LinkedHashMap<>();
        String run = Long.toString(System.currentTimeMillis(), 36);
        Path modelRoot = modelCache != null
                ? Files.createDirectories(modelCache)
                : Files.createTempDirectory("tandem-bench-serving-models-");
        try (ServingStores stores = ServingStores.open(redis, postgres, postgresUser, postgresPassword, run);
                SinkWorker worker = SinkWorker.start(env)) {
            say(
                    "stores: Redis %s under %s*, PostgreSQL %s schema %s",
                    redis, stores.prefix(), postgres, stores.schema());
            long t0 = System.nanoTime();
            ScoringWorkload w = ScoringWorkload.generate(users, items, events, candidates, seed);
            say(
                    "generated %,d users' features over %,d items in %.1f s",
                    w.users(), items, (System.nanoTime() - t0) / 1e9);
            String sinkPrefix = stores.prefix("sink");
            sinks(env, worker, stores, w, sinkPrefix, m);
            api(stores, sinkPrefix, m);
            freshness(env, worker, stores, w, modelRoot, m);
        } finally {
            if (modelCache == null) FileTrees.delete(modelRoot);
        }
        m.put("predictions", predictions);
        m.put("sink_tasks", sinkTasks);
        m.put("requests_per_sec_offered", rate);
        m.put("candidates_per_request", candidates);
        m.put("checkpoint_interval_ms", checkpointInterval.toMillis());
        m.put("checkpoint_interval_ms_at_least_once", aloCheckpointInterval.toMillis());
        m.put("state_backend", stateBackend.name());
        m.put("catalog_state", catalogState.value());
        m.put("api_requests_per_sec", apiRate);
        return m;
    }

    private void sinks(
            BenchEnvironment env,
            SinkWorker worker,
            ServingStores stores,
            ScoringWorkload w,
            String sinkPrefix,
            Map<String, Object> m)
            throws Exception {
        say("");
        say(
                "== sinks: %,d predictions of %,d users, %d task(s), against the same writes made directly on as many"
                        + " connections ==",
                predictions, predictions, sinkTasks);
        SinkRuns runs = new SinkRuns(line -> say("%s", line));
        SinkRuns.Payloads p = runs.prefill(env, w.catalog, predictions, candidates, seed);
        double redisSink =
                runs.redisSink(worker, stores, p, sinkPrefix, env.uniqueName("serving-redis-sink"), sinkTasks);
        String rawPrefix = stores.prefix("raw");
        double rawRedis = runs.rawRedis(stores, p, rawPrefix, sinkTasks);
        requireStored("Redis sink", SinkRuns.keys(stores, sinkPrefix + "rec:"));
        requireStored("raw Redis", SinkRuns.keys(stores, rawPrefix + "rec:"));
        stores.deleteKeys(rawPrefix);
        say(
                "redis sink:    %,10.0f records/s; raw pipelined HSETs %,10.0f/s: %.2f of raw",
                redisSink, rawRedis, redisSink / rawRedis);
        double jdbcSink = runs.jdbcSink(worker, stores, p, env.uniqueName("serving-jdbc-sink"), sinkTasks);
        double rawJdbc = runs.rawJdbc(stores, p, "raw_latest", sinkTasks);
        requireStored("JDBC sink", SinkRuns.rows(stores, "predictions_latest"));
        requireStored("raw JDBC", SinkRuns.rows(stores, "raw_latest"));
        say(
                "jdbc sink:     %,10.0f records/s; raw batched upserts %,10.0f/s: %.2f of raw",
                jdbcSink, rawJdbc, jdbcSink / rawJdbc);
        m.put("redis_sink_records_per_sec", Math.round(redisSink));
        m.put("raw_redis_records_per_sec", Math.round(rawRedis));
        m.put("redis_sink_ratio_to_raw", round3(redisSink / rawRedis));
        m.put("jdbc_sink_records_per_sec", Math.round(jdbcSink));
        m.put("raw_jdbc_records_per_sec", Math.round(rawJdbc));
        m.put("jdbc_sink_ratio_to_raw", round3(jdbcSink / rawJdbc));
    }

    private void requireStored(String what, long stored) {
        if (stored != predictions)
            throw new IllegalStateException(what + ": " + stored + " users stored for " + predictions + " predictions");
    }

    /**
     * The recommendations API ({@code tandem serve}'s server and Redis store, in a JVM of its own: {@link
     * ApiServerProcess}) and plain HGETs of the same keys, both from one more child JVM at {@link #apiRate}, over the
     * users the Redis sink just wrote.
     */
    private void api(ServingStores stores, String sinkPrefix, Map<String, Object> m) throws Exception {
        say("");
        say("== recommendations API vs raw Redis GET, %,.0f requests/s from a second process ==", apiRate);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < predictions; i++) ids.add("su-" + i);
        try (ApiServerProcess server = ApiServerProcess.start(redis, sinkPrefix, ids, quick ? 2_000 : 20_000)) {
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("api", "http:http://127.0.0.1:" + server.port() + "/v1/users/{id}/recommendations");
            targets.put("raw", "redis-hget:" + redis + "|" + sinkPrefix + "rec:{id}|json");
            Map<String, Map<String, Number>> r =
                    ApiLoadGenerator.runChild(ids, apiRate, apiSeconds, apiWarmupSeconds, targets);
            GcPauses.Summary gc = server.stop();
            // the server's own JVM: its collections from the end of its warm-up to the end of both windows
            say(
                    "the API server's GC pauses during the API and raw runs: %d, longest %.0f ms, %.0f ms in all",
                    gc.count(), gc.maxMs(), gc.totalMs());
            m.put("api_server_gc_pauses", gc.count());
            m.put("api_server_gc_pause_max_ms", gc.maxMs());
            m.put("api_server_gc_pause_total_ms", gc.totalMs());
            Map<String, Number> api = r.get("api");
            Map<String, Number> raw = r.get("raw");
            for (String k : List.of("api", "raw")) {
                Map<String, Number> x = r.get(k);
                say(
                        "%-4s %,d requests at %,d/s: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, failed %d"
                                + " (load generator GC pauses %d, longest %.0f ms)",
                        k + ":",
                        x.get("requests").longValue(),
                        x.get("achieved_rate").longValue(),
                        x.get("p50_ms").doubleValue(),
                        x.get("p99_ms").doubleValue(),
                        x.get("p999_ms").doubleValue(),
                        x.get("max_ms").doubleValue(),
                        x.get("errors").longValue() + x.get("non_200").longValue(),
                        x.get("client_gc_pauses").intValue(),
                        x.get("client_gc_pause_max_ms").doubleValue());
                m.put(
                        ("api".equals(k) ? "api" : "raw_store_get") + "_client_gc_pause_max_ms",
                        x.get("client_gc_pause_max_ms"));
            }
            m.put("api_p99_ms", api.get("p99_ms"));
            m.put("raw_store_get_p99_ms", raw.get("p99_ms"));
            m.put(
                    "api_ratio_to_raw_get_p99",
                    round3(api.get("p99_ms").doubleValue() / raw.get("p99_ms").doubleValue()));
            m.put("api_p50_ms", api.get("p50_ms"));
            m.put("api_p999_ms", api.get("p999_ms"));
            m.put("raw_store_get_p50_ms", raw.get("p50_ms"));
            m.put("raw_store_get_p999_ms", raw.get("p999_ms"));
            m.put("api_requests", api.get("requests"));
            m.put(
                    "api_failed_requests",
                    api.get("errors").longValue() + api.get("non_200").longValue());
            m.put(
                    "raw_store_get_failed_requests",
                    raw.get("errors").longValue() + raw.get("non_200").longValue());
        }
    }

    /**
     * Both delivery modes through the sink into Redis, and the bare-Flink reference exactly once at the same interval
     * and rate; at least once checkpoints at its own interval.
     */
    private void freshness(
            BenchEnvironment env,
            SinkWorker worker,
            ServingStores stores,
            ScoringWorkload w,
            Path modelRoot,
            Map<String, Object> m)
            throws Exception {
        say("");
        say(
                "== freshness: request sent → recommendation readable in Redis, %,.0f requests/s × %d candidates ==",
                rate, candidates);
        ScoringRuns.Shared shared = w.prefill(env, 0, line -> say("%s", line));
        int dash = model.indexOf('-');
        ModelConfig mc = ModelConfig.defaults()
                .withName("bench-" + model)
                .withArchitecture(model.substring(0, dash), model.substring(dash + 1))
                .withTraining(0.003, 256, epochs, epochs, seed);
        String key = String.format(
                Locale.ROOT, "s%d-u%d-i%d-e%d-ep%d-%s", seed, users, items, events, epochs, mc.fingerprint());
        Path modelDir = w.trainedModel(mc, modelRoot, key + "-v1", line -> say("%s", line));
        // checkpoints to files, as the app writes them (scoring.checkpoint.dir), not through the job manager's memory
        Path checkpoints = Files.createTempDirectory("tandem-bench-serving-checkpoints-");
        try {
            freshness(env, worker, stores, w, shared, modelDir, checkpoints, m);
        } finally {
            FileTrees.delete(checkpoints);
        }
    }

    private void freshness(
            BenchEnvironment env,
            SinkWorker worker,
            ServingStores stores,
            ScoringWorkload w,
            ScoringRuns.Shared shared,
            Path modelDir,
            Path checkpoints,
            Map<String, Object> m)
            throws Exception {
        ScoringConfig base = ScoringConfig.builder()
                .model(modelDir.toString(), ScoringScenario.STAGES)
                .parallelism(parallelism)
                .batching(maxBatchRows, maxWait)
                .checkpointInterval(checkpointInterval)
                .checkpointDir(checkpoints.toUri().toString())
                .setAll(stateBackend.flinkSettings())
                .setAll(catalogState.settings())
                .build();
        FreshnessRun runs = new FreshnessRun(rate, warmupSeconds, freshnessSeconds, sinkTasks, line -> say("%s", line));
        FreshnessRun.Result alo = runs.run(
                env,
                worker,
                stores,
                w,
                shared,
                // a checkpoint every 20 ms snapshots the job's heap state 50 times a second: CPU that at-least-once
                // visibility does not need
                base.toBuilder()
                        .delivery(Delivery.AT_LEAST_ONCE)
                        .checkpointInterval(aloCheckpointInterval)
                        .build(),
                "alo");
        FreshnessRun.Result eos = runs.run(
                env,
                worker,
                stores,
                w,
                shared,
                base.toBuilder().delivery(Delivery.EXACTLY_ONCE).build(),
                "eos");
        ScoringRuns.Latency bare = new ScoringRuns(out, candidates, rate, warmupSeconds, freshnessSeconds)
                .latency(env, w, shared, base, null, true);
        say(
                "exactly once: freshness p99 %.1f ms = %.2f × bare Flink's p99 %.1f ms (request → read_committed consumer)",
                eos.p99Ms(), eos.p99Ms() / bare.p99Ms(), bare.p99Ms());
        m.put("freshness_p50_ms", alo.p50Ms());
        m.put("freshness_p99_ms", alo.p99Ms());
        put(m, "at_least_once", alo);
        put(m, "exactly_once", eos);
        m.put("bare_flink_exactly_once_p99_ms", bare.p99Ms());
        m.put("bare_flink_exactly_once_p50_ms", bare.p50Ms());
        putCheckpoints(m, "bare_flink_", "", bare.checkpoints());
        m.put("exactly_once_ratio_to_bare_flink_p99", round3(eos.p99Ms() / bare.p99Ms()));
    }

    private static void put(Map<String, Object> m, String mode, FreshnessRun.Result r) {
        m.put("freshness_p50_ms_" + mode, r.p50Ms());
        m.put("freshness_p99_ms_" + mode, r.p99Ms());
        m.put("freshness_p999_ms_" + mode, r.p999Ms());
        m.put("freshness_max_ms_" + mode, r.maxMs());
        m.put("freshness_requests_measured_" + mode, r.measured());
        m.put("freshness_superseded_" + mode, r.superseded());
        m.put("freshness_sender_lag_p99_ms_" + mode, r.senderLagP99Ms());
        m.put("freshness_send_to_scored_p99_ms_" + mode, r.sendToScoredP99Ms());
        m.put("freshness_scored_to_readable_p50_ms_" + mode, r.scoredToReadableP50Ms());
        m.put("freshness_scored_to_readable_p99_ms_" + mode, r.scoredToReadableP99Ms());
        m.put("freshness_scored_to_topic_p50_ms_" + mode, r.scoredToTopicP50Ms());
        m.put("freshness_scored_to_topic_p99_ms_" + mode, r.scoredToTopicP99Ms());
        m.put("freshness_topic_to_readable_p50_ms_" + mode, r.topicToReadableP50Ms());
        m.put("freshness_topic_to_readable_p99_ms_" + mode, r.topicToReadableP99Ms());
        r.cores().forEach((k, v) -> m.put("freshness_cpu_cores_" + k + "_" + mode, v));
        putCheckpoints(m, "freshness_", "_" + mode, r.checkpoints());
        if (!Double.isNaN(r.sinkBatchMaxMs())) m.put("freshness_sink_batch_max_ms_" + mode, r.sinkBatchMaxMs());
    }

    private static void putCheckpoints(
            Map<String, Object> m, String prefix, String suffix, BenchJob.CheckpointStats c) {
        if (c == null) return;
        m.put(prefix + "checkpoints_completed" + suffix, c.completed());
        m.put(prefix + "checkpoints_failed" + suffix, c.failed());
        m.put(prefix + "checkpoint_p50_ms" + suffix, c.durationP50Ms());
        m.put(prefix + "checkpoint_p99_ms" + suffix, c.durationP99Ms());
        m.put(prefix + "checkpoint_bytes" + suffix, Math.round(c.checkpointedBytesAvg()));
        m.put(prefix + "checkpoint_state_bytes" + suffix, Math.round(c.stateBytesAvg()));
    }

    private static double round3(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
