package dev.tandem.platform.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.kafka.ModelControlClient;
import dev.tandem.platform.cli.DurationConverter;
import dev.tandem.platform.kafka.AvroSerdes;
import dev.tandem.platform.kafka.ProducerSettings;
import dev.tandem.platform.kafka.SendErrors;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.TopicAdmin;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The Flink scoring job end to end on a real broker, against the raw TensorFlow ceiling of the same model, per model
 * architecture, in one run. See platform/README.md and docs/benchmarks.md for the method.
 */
@Command(name = "scoring", mixinStandardHelpOptions = true,
        description = {
                "Scoring job (flink-inference): raw TF ceiling of the model (one session per core, full batches), the job's",
                "candidate predictions/s from scoring-requests to predictions (exactly once, read_committed), the same job record",
                "by record, and request → prediction p50/p99 latency at a fixed request rate; per model architecture (--model)."})
public final class ScoringScenario implements Callable<Integer> {
    static final String DEFAULT_MODEL = "mmoe-mean";
    private static final List<String> STAGES = List.of("CART", "PURCHASE");
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", paramLabel = "FILE", required = true, description = "Write the metrics here as JSON.")
    Path json;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Run against this Kafka instead of a fresh broker of the bench's own.")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL", description = "Schema registry of --bootstrap's cluster (default: an in-JVM mock registry).")
    String registry;

    @Option(names = "--broker", paramLabel = "child|in_process", defaultValue = "child",
            description = "Without --bootstrap: run the fresh broker as a child JVM (default) or in this JVM.")
    ScenarioCommand.Broker broker;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of each bench topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--model", split = ",", paramLabel = "ARCH-ENCODER",
            description = "Model(s) of the zoo, <architecture>-<sequenceEncoder> (e.g. mmoe-mean, ple-target_attention), or 'all' (default: "
                    + DEFAULT_MODEL + ").")
    List<String> models = new ArrayList<>(List.of(DEFAULT_MODEL));

    @Option(names = "--quick", description = "Small counts and short windows (seconds, for tests); explicit options still win.")
    boolean quick;

    @Option(names = "--requests", description = "Requests pre-filled for the throughput runs (default: 2000000; quick 3000).")
    Integer requests;

    @Option(names = "--candidates", defaultValue = "20", description = "Candidates per request (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--users", description = "Generated users (default: 20000; quick 300).")
    Integer users;

    @Option(names = "--items", description = "Generated catalog items (default: 20000; quick 2000).")
    Integer items;

    @Option(names = "--events", description = "Generated events: the users' histories and the training data (default: 200000; quick 5000).")
    Long events;

    @Option(names = "--epochs", defaultValue = "1", description = "Training epochs of each bench model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-batch-rows", defaultValue = "2048", description = "The job's maximum batch, and the raw TF batch (default: ${DEFAULT-VALUE}).")
    int maxBatchRows;

    @Option(names = "--max-wait", paramLabel = "DURATION", defaultValue = "5ms", converter = DurationConverter.class,
            description = "The job's maximum batching wait (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(names = "--parallelism", defaultValue = "2",
            description = "Job parallelism (one TF session per subtask) and raw TF threads (default: ${DEFAULT-VALUE}, both cores here).")
    int parallelism;

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Checkpoint interval of the throughput runs (default: ${DEFAULT-VALUE}, as tandem score).")
    Duration checkpointInterval;

    @Option(names = "--latency-checkpoint-interval", paramLabel = "DURATION", defaultValue = "20ms", converter = DurationConverter.class,
            description = "Checkpoint interval of the latency runs: read_committed predictions wait for it (default: ${DEFAULT-VALUE}).")
    Duration latencyCheckpointInterval;

    @Option(names = "--latency-only", description = "Only the latency and swap runs (no throughput, raw TF or record-by-record runs): for tuning the latency.")
    boolean latencyOnly;

    @Option(names = "--rate", description = "Requests/s of the latency runs (default: 2000).")
    Double rate;

    @Option(names = "--warmup-seconds", description = "Unrecorded seconds at --rate before the latency window (default: 5; quick 1).")
    Double warmupSeconds;

    @Option(names = "--latency-seconds", description = "Measured seconds of each latency window (default: 20; quick 2).")
    Double latencySeconds;

    @Option(names = "--raw-seconds", description = "Measured seconds of the raw TF ceiling, after a third as warm-up (default: 5; quick 0.5).")
    Double rawSeconds;

    @Option(names = "--per-record-seconds", description = "At most this long for the record-by-record run (default: 20; quick 3).")
    Double perRecordSeconds;

    @Option(names = "--model-cache", paramLabel = "DIR",
            description = "Keep the bench's trained models here and reuse them, <DIR>/bench-<model>/<settings>-v1|v2 (default: a temp dir, deleted after).")
    Path modelCache;

    @Option(names = "--seed", defaultValue = "5", description = "Generator, request and model seed (default: ${DEFAULT-VALUE}).")
    long seed;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
        List<String> names = modelNames(cl);
        applyDefaults();
        validate(cl);
        out = cl.getOut();

        Path modelRoot = modelCache != null ? Files.createDirectories(modelCache) : Files.createTempDirectory("tandem-bench-scoring-models-");
        Map<String, Map<String, Number>> perModel = new LinkedHashMap<>();
        Map<String, Number> bare;
        try (BenchEnvironment env = bootstrap != null
                ? BenchEnvironment.existing(bootstrap, registry, partitions)
                : BenchEnvironment.ownCluster(broker == ScenarioCommand.Broker.CHILD, partitions)) {
            say("bench scoring on %s; models %s", env.describe(), String.join(", ", names));
            long t0 = System.nanoTime();
            ScoringWorkload workload = ScoringWorkload.generate(users, items, events, candidates, seed);
            say("generated %,d events of %,d users over %,d items in %.1f s", workload.log.size(), workload.features.size(), workload.catalog.size(),
                    (System.nanoTime() - t0) / 1e9);
            Shared shared = prefill(env, workload);
            bare = measureBareFlink(env, workload, shared);
            for (String name : names) {
                perModel.put(name, measureModel(env, workload, shared, name, modelRoot));
            }
        } finally {
            if (modelCache == null) FileTrees.delete(modelRoot);
        }

        Map<String, Object> metrics = new LinkedHashMap<>(perModel.values().iterator().next());
        metrics.putAll(bare);
        metrics.put("model", names.get(0));
        metrics.put("models", perModel);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", "scoring");
        root.put("metrics", metrics);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
        out.println("wrote " + json);
        out.flush();
        return 0;
    }

    /** The zoo's configurations by name, {@code <architecture>-<sequenceEncoder>}; the default first. */
    static List<String> zooNames() {
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
                throw new CommandLine.ParameterException(cl, "unknown --model '" + name + "', one of: all, " + String.join(", ", zoo));
            }
        }
        return out;
    }

    private void applyDefaults() {
        if (requests == null) requests = quick ? 3_000 : 2_000_000;
        if (users == null) users = quick ? 300 : 20_000;
        if (items == null) items = quick ? 2_000 : 20_000;
        if (events == null) events = quick ? 5_000L : 200_000L;
        if (rate == null) rate = quick ? 500.0 : 2_000.0;
        if (warmupSeconds == null) warmupSeconds = quick ? 1.0 : 5.0;
        if (latencySeconds == null) latencySeconds = quick ? 2.0 : 20.0;
        if (rawSeconds == null) rawSeconds = quick ? 0.5 : 5.0;
        if (perRecordSeconds == null) perRecordSeconds = quick ? 3.0 : 20.0;
    }

    private void validate(CommandLine cl) {
        if (partitions < 1) throw new CommandLine.ParameterException(cl, "--partitions must be >= 1");
        if (requests < 10) throw new CommandLine.ParameterException(cl, "--requests must be >= 10, got " + requests);
        if (candidates < 1) throw new CommandLine.ParameterException(cl, "--candidates must be >= 1, got " + candidates);
        if (users < 10 || items < 100) throw new CommandLine.ParameterException(cl, "--users must be >= 10 and --items >= 100");
        if (events < 1_000) throw new CommandLine.ParameterException(cl, "--events must be >= 1000, got " + events);
        if (epochs < 1) throw new CommandLine.ParameterException(cl, "--epochs must be >= 1, got " + epochs);
        if (maxBatchRows < candidates) {
            throw new CommandLine.ParameterException(cl, "--max-batch-rows must be >= --candidates (" + candidates + "), got " + maxBatchRows);
        }
        if (parallelism < 1) throw new CommandLine.ParameterException(cl, "--parallelism must be >= 1, got " + parallelism);
        if (checkpointInterval.isZero() || checkpointInterval.isNegative() || latencyCheckpointInterval.isZero() || latencyCheckpointInterval.isNegative()) {
            throw new CommandLine.ParameterException(cl, "checkpoint intervals must be > 0 (the exactly-once sink commits on checkpoints)");
        }
        if (!(rate > 0)) throw new CommandLine.ParameterException(cl, "--rate must be > 0, got " + rate);
        if (!(latencySeconds > 0) || !(rawSeconds > 0) || !(perRecordSeconds > 0) || warmupSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "durations must be > 0");
        }
    }

    /** What every model's runs share: the features, catalog and throughput requests, written once. */
    private record Shared(String features, String items, String requests) {}

    private Shared prefill(BenchEnvironment env, ScoringWorkload w) {
        String registryUrl = env.endpoints().registryUrl();
        List<String> topics = env.freshTopicsUnprimed("scoring-features", "scoring-items", "scoring-requests");
        long t0 = System.nanoTime();
        TandemAvroSerializer<UserFeatures> fs = AvroSerdes.valueSerializer(registryUrl);
        TandemAvroSerializer<ItemMetadata> is = AvroSerdes.valueSerializer(registryUrl);
        TandemAvroSerializer<ScoringRequest> rs = AvroSerdes.valueSerializer(registryUrl);
        SendErrors errors = new SendErrors();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(ProducerSettings.throughput(env.endpoints().bootstrapServers(), "tandem-bench-scoring-fill"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            w.features.forEach((u, f) -> p.send(new ProducerRecord<>(topics.get(0), utf8(u), fs.serialize(topics.get(0), f)), errors));
            for (ItemMetadata m : w.catalog) p.send(new ProducerRecord<>(topics.get(1), utf8(m.getItemId()), is.serialize(topics.get(1), m)), errors);
            for (int n = 0; n < requests; n++) {
                ScoringRequest r = w.request("t-", n);
                p.send(new ProducerRecord<>(topics.get(2), utf8(r.getUserId()), rs.serialize(topics.get(2), r)), errors);
            }
            p.flush();
            errors.throwIfFailed("records");
        }
        say("pre-filled %,d user features, %,d items and %,d requests × %d candidates in %.1f s", w.features.size(), w.catalog.size(), requests, candidates,
                (System.nanoTime() - t0) / 1e9);
        return new Shared(topics.get(0), topics.get(1), topics.get(2));
    }

    /**
     * {@link BareFlinkJob} on the same topics and settings as the scoring job's runs: Flink's own throughput and latency
     * here, the part of every figure that no scoring job on Flink can win back.
     */
    private Map<String, Number> measureBareFlink(BenchEnvironment env, ScoringWorkload w, Shared shared) throws Exception {
        say("");
        say("== bare Flink (Kafka in, keyBy + keyed-state read, Kafka out exactly once; no decoding, catalog or model) ==");
        ScoringConfig base = ScoringConfig.builder().parallelism(parallelism).batching(maxBatchRows, maxWait).build();
        Map<String, Number> m = new LinkedHashMap<>();
        if (!latencyOnly) {
            double rate = throughput(env, shared, base.toBuilder().checkpointInterval(checkpointInterval).build(), null, true, requests, RUN_TIMEOUT, "bare flink");
            m.put("bare_flink_predictions_per_sec", Math.round(rate));
        }
        Latency l = latency(env, w, shared, base.toBuilder().checkpointInterval(latencyCheckpointInterval).build(), null, true);
        m.put("bare_flink_p50_latency_ms", l.p50Ms);
        m.put("bare_flink_p99_latency_ms", l.p99Ms);
        return m;
    }

    private Map<String, Number> measureModel(BenchEnvironment env, ScoringWorkload w, Shared shared, String name, Path modelRoot) throws Exception {
        int dash = name.indexOf('-');
        ModelConfig config = ModelConfig.defaults().withName("bench-" + name)
                .withArchitecture(name.substring(0, dash), name.substring(dash + 1))
                .withTraining(0.003, 256, epochs, epochs, seed);
        say("");
        say("== %s ==", name);
        // the data and training settings are in the version, so a --model-cache never serves a model of other data
        String key = String.format(Locale.ROOT, "s%d-u%d-i%d-e%d-ep%d", seed, users, items, events, epochs);
        Path modelDir = w.trainedModel(config, modelRoot, key + "-v1", line -> say("%s", line));
        ScoringConfig base = ScoringConfig.builder().model(modelDir.toString(), STAGES).parallelism(parallelism)
                .batching(maxBatchRows, maxWait).build();

        Map<String, Number> m = new LinkedHashMap<>();
        if (latencyOnly) {
            Latency steady = latency(env, w, shared, base.toBuilder().checkpointInterval(latencyCheckpointInterval).build(), null);
            Path v2 = w.trainedModel(config.withTraining(0.003, 256, epochs, epochs, seed + 1), modelRoot, key + "-v2", line -> say("%s", line));
            Latency swap = latency(env, w, shared, base.toBuilder().checkpointInterval(latencyCheckpointInterval).build(), new Swap(config.name(), key + "-v2", v2));
            putLatency(m, steady, swap);
            m.put("requests_per_sec_offered", rate);
            m.put("latency_checkpoint_interval_ms", latencyCheckpointInterval.toMillis());
            return m;
        }
        double raw = RawTfCeiling.measure(modelDir, STAGES, w, maxBatchRows, parallelism, rawSeconds / 3, rawSeconds);
        say("raw TF:        %,12.0f predictions/s (%d sessions, batch %d, reused tensors)", raw, parallelism, maxBatchRows);

        double batched = throughput(env, shared, base.toBuilder().checkpointInterval(checkpointInterval).build(), null, requests, RUN_TIMEOUT, "batched");
        // Record by record = one session call per candidate, what a Flink map calling TF per record does. One call
        // per request already batches its candidates (20 rows): kept as per_request_ for reference.
        double perRecord = throughput(env, shared, base.toBuilder().batching(candidates, maxWait).checkpointInterval(checkpointInterval).build(),
                PerCandidateScorer.factory(modelDir, STAGES), requests, Duration.ofMillis((long) (perRecordSeconds * 1000)), "per-record");
        double perRequest = throughput(env, shared, base.toBuilder().batching(candidates, maxWait).checkpointInterval(checkpointInterval).build(), null, requests,
                Duration.ofMillis((long) (perRecordSeconds * 1000)), "per-request");
        double plumbing = throughput(env, shared, base.toBuilder().checkpointInterval(checkpointInterval).build(), NoModelScorer.factory(modelDir, STAGES), requests,
                RUN_TIMEOUT, "no model");
        Latency steady = latency(env, w, shared, base.toBuilder().checkpointInterval(latencyCheckpointInterval).build(), null);
        Path v2 = w.trainedModel(config.withTraining(0.003, 256, epochs, epochs, seed + 1), modelRoot, key + "-v2", line -> say("%s", line));
        Latency swap = latency(env, w, shared, base.toBuilder().checkpointInterval(latencyCheckpointInterval).build(), new Swap(config.name(), key + "-v2", v2));

        m.put("raw_tf_predictions_per_sec", Math.round(raw));
        m.put("predictions_per_sec", Math.round(batched));
        m.put("per_record_predictions_per_sec", Math.round(perRecord));
        m.put("ratio_to_raw_tf", round3(batched / raw));
        m.put("ratio_to_per_record", round3(batched / perRecord));
        m.put("per_request_predictions_per_sec", Math.round(perRequest));
        m.put("ratio_to_per_request", round3(batched / perRequest));
        m.put("no_model_predictions_per_sec", Math.round(plumbing));
        putLatency(m, steady, swap);
        m.put("raw_tf_batch_rows", maxBatchRows);
        m.put("raw_tf_sessions", parallelism);
        m.put("requests_per_sec_offered", rate);
        m.put("latency_requests_measured", steady.count);
        m.put("candidates_per_request", candidates);
        m.put("throughput_requests", requests);
        m.put("max_batch_rows", maxBatchRows);
        m.put("max_wait_ms", maxWait.toMillis());
        m.put("parallelism", parallelism);
        m.put("checkpoint_interval_ms", checkpointInterval.toMillis());
        m.put("latency_checkpoint_interval_ms", latencyCheckpointInterval.toMillis());
        say("%s: end to end %,.0f predictions/s = %.0f %% of raw TF, %.1f × record by record (%,.0f/s); latency at %,.0f requests/s p50 %.1f ms, p99 %.1f ms, during a swap p99 %.1f ms; the job with no model %,.0f/s",
                name, batched, 100 * batched / raw, batched / perRecord, perRecord, rate, steady.p50Ms, steady.p99Ms, swap.p99Ms, plumbing);
        return m;
    }

    /**
     * One job over the pre-filled requests: candidates per second in the steady window (from 30 % of what arrived to the
     * last commit; the start is the JIT's: `jstat -compiler` showed C2 compiling for ~30 s into a job's run, taking a
     * quarter of the machine), after checking that nothing was lost or duplicated. With {@code budget} shorter than the run, the
     * job is stopped once {@code budget} has passed since the first prediction (only duplicates are checked then).
     */
    private double throughput(BenchEnvironment env, Shared shared, ScoringConfig config, BatchScorerFactory scorer, int expected, Duration budget,
                              String label) throws Exception {
        return throughput(env, shared, config, scorer, false, expected, budget, label);
    }

    /** @param bare run {@link BareFlinkJob} instead of the scoring job ({@code scorer} unused) */
    private double throughput(BenchEnvironment env, Shared shared, ScoringConfig config, BatchScorerFactory scorer, boolean bare, int expected,
                              Duration budget, String label) throws Exception {
        String predictions = env.freshTopicsUnprimed("scoring-predictions").get(0);
        String run = env.uniqueName("scoring-" + label.replace(' ', '-'));
        long t0 = System.nanoTime();
        long firstArrival = 0;
        boolean complete;
        double rate;
        try (PredictionReader reader = reader(env, predictions, "t-", null, bare);
             BenchJob job = startJob(env, new ScoringBenchJob.Topics(shared.requests(), shared.features(), shared.items(), predictions), null, config,
                     scorer, bare, run)) {
            long deadline = t0 + RUN_TIMEOUT.toNanos();
            while (reader.requests() < expected) {
                reader.check();
                job.failure().ifPresent(f -> {
                    throw new IllegalStateException(f);
                });
                long now = System.nanoTime();
                if (firstArrival == 0 && reader.requests() > 0) firstArrival = now;
                if (firstArrival != 0 && now - firstArrival > budget.toNanos()) break;
                if (now > deadline) {
                    throw new IllegalStateException(label + " run: only " + reader.requests() + " of " + expected + " predictions within " + RUN_TIMEOUT.toMinutes() + " min");
                }
                Thread.sleep(20);
            }
            complete = reader.requests() >= expected;
            rate = reader.steadyRate(0.3, t0);
            if (reader.duplicates() > 0 || reader.foreign() > 0) {
                throw new IllegalStateException(label + " run: " + reader.duplicates() + " duplicate and " + reader.foreign() + " unknown predictions (exactly once broken)");
            }
            if (complete && reader.candidates() != (long) expected * candidates) {
                throw new IllegalStateException(label + " run: " + reader.candidates() + " candidates scored, expected " + (long) expected * candidates);
            }
            say("%-13s %,12.0f predictions/s (max batch %d rows, checkpoints every %d ms; %s%,d requests, %,d predictions, first after %.1f s)",
                    label + ":", rate, config.maxBatchRows(), config.checkpointInterval().toMillis(), complete ? "all " : "stopped after ",
                    reader.requests(), reader.candidates(), firstArrival == 0 ? 0 : (firstArrival - t0) / 1e9);
        }
        return rate;
    }

    /** @param senderLagP99Ms how late the sender sent (after its schedule), p99: large values mean the machine, not the job, set the pace */
    record Latency(double p50Ms, double p99Ms, double p999Ms, double maxMs, long count, double senderLagP99Ms, Stage toJoin, Stage toScored, Stage toVisible) {}

    /** One leg of the request → prediction path, from the prediction's own timings (whole milliseconds). */
    record Stage(long p50Ms, long p99Ms) {}

    private static long wallMs(long nanoTime, long wallOffsetNanos) {
        return (nanoTime + wallOffsetNanos) / 1_000_000L;
    }

    /**
     * The job on a fresh, empty request topic, once it has read every user's features; then requests at {@link #rate}/s,
     * open loop (each at its scheduled time), {@link #warmupSeconds} unrecorded, then {@link #latencySeconds} recorded.
     * Latency = arrival of the request's prediction at a read_committed consumer − the request's scheduled send time
     * (so a sender that falls behind counts against the job, not for it).
     */
    private Latency latency(BenchEnvironment env, ScoringWorkload w, Shared shared, ScoringConfig config, Swap swap) throws Exception {
        return latency(env, w, shared, config, swap, false);
    }

    /** @param bare run {@link BareFlinkJob} instead of the scoring job (no swap then) */
    private Latency latency(BenchEnvironment env, ScoringWorkload w, Shared shared, ScoringConfig config, Swap swap, boolean bare) throws Exception {
        String label = bare ? "bare-flink-latency" : swap == null ? "latency" : "swap";
        List<String> topics = env.freshTopicsUnprimed("scoring-" + label + "-requests", "scoring-" + label + "-predictions", "scoring-" + label + "-shadow");
        String run = env.uniqueName("scoring-" + label);
        // A control topic of the run's own, one partition like model-control: the command reaches only this job, never a
        // job of an existing cluster (--bootstrap) that reads the shared model-control topic.
        String controlTopic = swap == null ? null : env.uniqueName("scoring-swap-control");
        ScoringBenchJob.Control control = null;
        if (swap != null) {
            TopicAdmin.ensureTopics(env.endpoints().bootstrapServers(), List.of(new TopicSpec(controlTopic, 1, Map.of())));
            control = new ScoringBenchJob.Control(controlTopic, Map.of(new TopicPartition(controlTopic, 0), 0L), topics.get(2));
        }
        int warm = (int) Math.round(rate * warmupSeconds);
        int planned = warm + (int) Math.max(1, Math.round(rate * latencySeconds));
        // The swap is issued a third into the measured window, and the window runs on until a third of its length after
        // the first prediction of the new version (at most a minute more), so it holds the load, warm-up and hand-over.
        int swapAt = warm + (planned - warm) / 3;
        int tail = Math.max(1, (planned - warm) / 3);
        int capacity = swap == null ? planned : planned + (int) Math.round(rate * 60);
        String swapped = swap == null ? null : swap.modelName() + "/" + swap.version();
        Thread[] swapper = new Thread[1];
        AtomicReference<Throwable> swapError = new AtomicReference<>();
        long[] swapTimes = new long[2];
        TandemAvroSerializer<ScoringRequest> rs = AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        byte[][][] requestBytes = w.serializedRequests("l-", planned, rs, topics.get(0));
        AtomicLongArray scheduled = new AtomicLongArray(capacity);
        Histogram hist = new Histogram(3_600_000_000L, 3);
        Histogram lag = new Histogram(3_600_000_000L, 3);
        Histogram toJoin = new Histogram(3_600_000L, 3);
        Histogram toScored = new Histogram(3_600_000L, 3);
        Histogram toVisible = new Histogram(3_600_000L, 3);
        long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        int sent = 0;
        int swapSeenAt = -1;
        try (PredictionReader reader = reader(env, topics.get(1), "l-", (n, arrival, prediction) -> {
                    if (n < warm) return;
                    hist.recordValue(Math.max(0, (arrival - scheduled.get(n)) / 1_000));
                    if (prediction == null) return;
                    // the job's timestamps are wall-clock milliseconds: where the time goes, to the millisecond
                    PredictionTimings t = prediction.getTimings();
                    long sentMs = wallMs(scheduled.get(n), wallOffsetNanos);
                    toJoin.recordValue(Math.max(0, t.getReceivedAt().toEpochMilli() - sentMs));
                    toScored.recordValue(Math.max(0, t.getScoredAt().toEpochMilli() - t.getReceivedAt().toEpochMilli()));
                    toVisible.recordValue(Math.max(0, wallMs(arrival, wallOffsetNanos) - t.getScoredAt().toEpochMilli()));
                }, bare);
             BenchJob job = startJob(env, new ScoringBenchJob.Topics(topics.get(0), shared.features(), shared.items(), topics.get(1)), control, config,
                     null, bare, run)) {
            if (!job.awaitFeaturesLoaded(Duration.ofMinutes(2))) throw new IllegalStateException("the " + label + " run's job did not read the features within 2 min");
            Map<String, Object> props = new LinkedHashMap<>(ProducerSettings.throughput(env.endpoints().bootstrapServers(), "tandem-bench-scoring-latency"));
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
            SendErrors errors = new SendErrors();
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime() + 50_000_000L;
                double intervalNanos = 1e9 / rate;
                for (int n = 0; n < capacity; n++) {
                    if (n >= planned && (swap == null || (swapSeenAt >= 0 && n >= swapSeenAt + tail))) break;
                    long at = start + (long) (n * intervalNanos);
                    scheduled.set(n, at);
                    byte[][] kv = n < planned ? requestBytes[n] : serialized(w.request("l-", n), rs, topics.get(0));
                    long wait;
                    while ((wait = at - System.nanoTime()) > 0) LockSupport.parkNanos(Math.min(wait, 200_000));
                    if (n >= warm) lag.recordValue(Math.max(0, (System.nanoTime() - at) / 1_000));
                    p.send(new ProducerRecord<>(topics.get(0), kv[0], kv[1]), errors);
                    sent = n + 1;
                    if (swap != null && n == swapAt) {
                        // off the sender's thread: waiting for the command's ack must not pause the requests
                        swapper[0] = new Thread(() -> {
                            try {
                                swapTimes[0] = System.nanoTime();
                                sendCommand(env, controlTopic, ModelControlClient.activate(swap.modelName(), swap.version(), swap.dir()));
                                swapTimes[1] = System.nanoTime();
                            } catch (Throwable t) {
                                swapError.set(t);
                            }
                        }, "tandem-bench-swap");
                        swapper[0].start();
                    }
                    if (swap != null && swapSeenAt < 0 && n > swapAt && (n & 63) == 0 && reader.count(swapped) > 0) swapSeenAt = n;
                    if ((n & 1023) == 0) {
                        job.failure().ifPresent(f -> {
                            throw new IllegalStateException(f);
                        });
                        if (swapError.get() != null) throw new IllegalStateException("sending the swap command failed: " + swapError.get(), swapError.get());
                    }
                }
                p.flush();
                errors.throwIfFailed(label + " requests");
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (reader.requests() < sent) {
                reader.check();
                job.failure().ifPresent(f -> {
                    throw new IllegalStateException(f);
                });
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(label + " run: only " + reader.requests() + " of " + sent + " predictions within 1 min of the last request");
                }
                Thread.sleep(20);
            }
            if (reader.duplicates() > 0 || reader.foreign() > 0) {
                throw new IllegalStateException(label + " run: " + reader.duplicates() + " duplicate and " + reader.foreign() + " unknown predictions");
            }
            if (swap != null) {
                swapper[0].join(60_000);
                if (swapError.get() != null) throw new IllegalStateException("sending the swap command failed: " + swapError.get(), swapError.get());
                if (reader.count(swapped) == 0) {
                    throw new IllegalStateException("swap run: no prediction by " + swapped + " within a minute of activating it (by version: " + reader.versions() + ")");
                }
                say("swap:         activate %s sent at request %,d of %,d (acked in %.0f ms); predictions by version %s", swapped,
                        swapAt, sent, (swapTimes[1] - swapTimes[0]) / 1e6, reader.versions());
            }
        }
        Latency l = new Latency(hist.getValueAtPercentile(50) / 1000.0, hist.getValueAtPercentile(99) / 1000.0, hist.getValueAtPercentile(99.9) / 1000.0,
                hist.getMaxValue() / 1000.0, hist.getTotalCount(), lag.getValueAtPercentile(99) / 1000.0,
                new Stage(toJoin.getValueAtPercentile(50), toJoin.getValueAtPercentile(99)),
                new Stage(toScored.getValueAtPercentile(50), toScored.getValueAtPercentile(99)),
                new Stage(toVisible.getValueAtPercentile(50), toVisible.getValueAtPercentile(99)));
        say("%-13s p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (%,d requests at %,.0f/s after %.0f s warm-up, checkpoints every %d ms; sender lag p99 %.1f ms)",
                label + ":", l.p50Ms, l.p99Ms, l.p999Ms, l.maxMs, l.count, rate, warmupSeconds, config.checkpointInterval().toMillis(), l.senderLagP99Ms);
        if (toJoin.getTotalCount() > 0) say("%-13s where it goes (p50 / p99 ms): send → join %d / %d, join → scored %d / %d, scored → visible to read_committed %d / %d",
                "", l.toJoin.p50Ms, l.toJoin.p99Ms, l.toScored.p50Ms, l.toScored.p99Ms, l.toVisible.p50Ms, l.toVisible.p99Ms);
        return l;
    }

    private static PredictionReader reader(BenchEnvironment env, String topic, String prefix, PredictionReader.Arrival arrival, boolean bare) {
        return bare ? PredictionReader.echoedRequests(env.endpoints().bootstrapServers(), env.endpoints().registryUrl(), topic, env.partitions(), prefix, arrival)
                : new PredictionReader(env.endpoints().bootstrapServers(), env.endpoints().registryUrl(), topic, env.partitions(), prefix, arrival);
    }

    private static BenchJob startJob(BenchEnvironment env, ScoringBenchJob.Topics topics, ScoringBenchJob.Control control, ScoringConfig config,
                                     BatchScorerFactory scorer, boolean bare, String run) throws Exception {
        return bare ? BareFlinkJob.start(env.endpoints().bootstrapServers(), topics, config, run)
                : ScoringBenchJob.start(env.endpoints().bootstrapServers(), env.endpoints().registryUrl(), topics, control, config, scorer, run);
    }

    private static void putLatency(Map<String, Number> m, Latency steady, Latency swap) {
        m.put("p50_latency_ms", steady.p50Ms);
        m.put("p99_latency_ms", steady.p99Ms);
        m.put("p999_latency_ms", steady.p999Ms);
        m.put("max_latency_ms", steady.maxMs);
        m.put("sender_lag_p99_ms", steady.senderLagP99Ms);
        m.put("send_to_join_p50_ms", steady.toJoin.p50Ms);
        m.put("send_to_join_p99_ms", steady.toJoin.p99Ms);
        m.put("join_to_scored_p50_ms", steady.toScored.p50Ms);
        m.put("join_to_scored_p99_ms", steady.toScored.p99Ms);
        m.put("scored_to_visible_p50_ms", steady.toVisible.p50Ms);
        m.put("scored_to_visible_p99_ms", steady.toVisible.p99Ms);
        m.put("swap_p99_latency_ms", swap.p99Ms);
        m.put("swap_ratio_to_steady_p99", round3(swap.p99Ms / steady.p99Ms));
        m.put("swap_p50_latency_ms", swap.p50Ms);
        m.put("swap_max_latency_ms", swap.maxMs);
    }

    record Swap(String modelName, String version, Path dir) {}

    /** One model command onto {@code topic}, as {@code ModelControlClient} writes them (key model name, registry Avro, acks=all); waits for the ack. */
    private static void sendCommand(BenchEnvironment env, String topic, ModelControl command) throws Exception {
        TandemAvroSerializer<ModelControl> serializer = AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.endpoints().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "tandem-bench-model-control");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, utf8(command.getModelName().toString()), serializer.serialize(topic, command))).get(30, TimeUnit.SECONDS);
        }
    }

    private static byte[][] serialized(ScoringRequest r, TandemAvroSerializer<ScoringRequest> serializer, String topic) {
        return new byte[][] {utf8(r.getUserId()), serializer.serialize(topic, r)};
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static double round3(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
