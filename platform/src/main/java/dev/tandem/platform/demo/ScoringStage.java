package dev.tandem.platform.demo;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.kafka.ModelControlClient;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.train.TrainingException;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.platform.scoring.LocalScoring;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.KafkaAcls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The scoring job of {@code flink-inference} on the demo's cluster: reuses the model it trained
 * before under {@code modelsDir} for the same world (seed, users, items, events), or trains a small
 * one on the demo's generated events (regenerated in-process from the same seed) and exports it
 * there; starts the job in a local MiniCluster; sends a few scoring requests for the busiest users
 * and prints each prediction with its request → prediction latency (read_committed, so the latency
 * includes waiting for the checkpoint that commits it). Then it trains (or reuses) a second version
 * of the model, loads and activates it through {@code model-control} while requests keep flowing,
 * and prints which version scored each of them: v1 up to the switch, v2 after, none lost.
 */
public final class ScoringStage implements DemoStage {
    static final int REQUESTS = 5;
    static final int CANDIDATES = 8;
    /** Requests per round while the second version is loaded and activated. */
    static final int SWAP_ROUND = 3;

    private static final Duration SWAP_ROUND_EVERY = Duration.ofMillis(250);
    private static final Duration SWAP_TIMEOUT = Duration.ofSeconds(60);
    static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(300);
    private static final Duration PREDICTIONS_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);
    public static final List<String> STAGES = List.of("CART", "PURCHASE");
    /** VIEW → CART → PURCHASE within a horizon that fits the demo's log ({@link FunnelConfig#fittingSpan}). */
    static FunnelConfig funnel(List<UserEvent> log) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (UserEvent e : log) {
            long t = e.getEventTime().toEpochMilli();
            min = Math.min(min, t);
            max = Math.max(max, t);
        }
        return FunnelConfig.fittingSpan(log.isEmpty() ? Duration.ZERO : Duration.ofMillis(max - min));
    }

    private final Path modelsDir;
    private LocalScoring job;

    public ScoringStage(Path modelsDir) {
        this.modelsDir = modelsDir;
    }

    @Override
    public String name() {
        return "scoring";
    }

    @Override
    public void start(DemoContext ctx) {
        // Everything happens in awaitDone: the model is trained on the events the generator sends.
    }

    @Override
    public void awaitDone(DemoContext ctx) throws Exception {
        while (ctx.producedTotal.get() < 0 && !ctx.stopping()) Thread.sleep(100);
        if (ctx.stopping()) return;
        DemoSettings s = ctx.settings();
        long events = ctx.producedTotal.get();
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(s.users(), s.items(), events, s.seed()));
        List<UserEvent> log = new ArrayList<>();
        world.events().forEachRemaining(e -> log.add(e.toUserEvent()));

        Path modelDir = model(ctx, log, 0, "");
        if (modelDir == null || ctx.stopping()) return;
        // the version the demo swaps to mid-stream: same data, another initialisation
        Path nextDir = model(ctx, log, 1, "-b");
        if (nextDir == null || ctx.stopping()) return;
        ScoringConfig.Builder builder = ScoringConfig.builder();
        ctx.client(KafkaAcls.SCORING).forEach((k, v) -> builder.set(ScoringConfig.KAFKA_PREFIX + k, v));
        ctx.registry().forEach(builder::set);
        ScoringConfig config = builder.batching(256, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(CHECKPOINT_INTERVAL)
                .model(modelDir.toString(), STAGES)
                .build();
        long t0 = System.nanoTime();
        job = LocalScoring.start(config.toBuilder()
                .kafka(ctx.endpoints().bootstrapServers(), ctx.endpoints().registryUrl())
                .build());
        ctx.scored(new DemoContext.Scored(modelDir, log));
        // Requests sent before the job has read the users' features would be scored with an empty history;
        // probe requests ask the job itself (its source's committed offsets lag by up to 10 s).
        boolean caughtUp = job.awaitUserFeaturesRead(ctx.endpoints(), CATCH_UP_TIMEOUT);
        job.failure().ifPresent(f -> {
            throw new IllegalStateException(f);
        });
        ctx.println(String.format(
                Locale.ROOT,
                "scoring job started (Flink local MiniCluster, exactly once, checkpoints every %d ms) and %s '%s' in %.1f s",
                CHECKPOINT_INTERVAL.toMillis(),
                caughtUp ? "read all of" : "is still reading",
                TandemTopics.USER_FEATURES,
                (System.nanoTime() - t0) / 1e9));

        Map<String, Long> sentAt = new LinkedHashMap<>();
        long requestTime = log.isEmpty()
                ? System.currentTimeMillis()
                : log.get(log.size() - 1).getEventTime().toEpochMilli() + 1;
        List<ScoringRequest> firstRound = requests(log, requestTime);
        try (AvroProducer producer = new AvroProducer(ctx.endpoints(), "tandem-demo-scoring")) {
            for (ScoringRequest r : firstRound) {
                sentAt.put(r.getRequestId(), System.nanoTime());
                producer.send(TandemTopics.SCORING_REQUESTS, r.getUserId(), r);
            }
            producer.flush();
        }
        ctx.println("sent " + sentAt.size() + " scoring requests (" + CANDIDATES + " candidates each) to '"
                + TandemTopics.SCORING_REQUESTS + "'");

        try (KafkaConsumer<byte[], byte[]> consumer = predictionsConsumer(ctx)) {
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(
                    Prediction.class,
                    SchemaRegistryClients.forUrl(
                            ctx.endpoints().registryUrl(), ctx.endpoints().registryConfigs()),
                    false);
            Set<String> seen = new LinkedHashSet<>();
            long deadline = System.nanoTime() + PREDICTIONS_TIMEOUT.toNanos();
            while (seen.size() < sentAt.size() && !ctx.stopping() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    Prediction pr = de.deserialize(rec.topic(), rec.value());
                    Long sent = sentAt.get(pr.getRequestId());
                    if (sent == null || !seen.add(pr.getRequestId())) continue;
                    ctx.predicted(pr);
                    describe(ctx, pr, (now - sent) / 1e6);
                }
                job.failure().ifPresent(f -> {
                    throw new IllegalStateException(f);
                });
            }
            if (!ctx.stopping() && seen.size() < sentAt.size()) {
                throw new IllegalStateException("only " + seen.size() + " of " + sentAt.size()
                        + " predictions arrived within " + PREDICTIONS_TIMEOUT.toSeconds() + " s");
            }
            if (!ctx.stopping()) {
                swap(ctx, consumer, de, firstRound, nextDir);
            }
        }
    }

    /**
     * LOAD + ACTIVATE of {@code nextDir} on {@code model-control} while rounds of requests keep going
     * out; prints which version scored each one, until a whole round came back from the new version.
     */
    private void swap(
            DemoContext ctx,
            KafkaConsumer<byte[], byte[]> consumer,
            TandemAvroDeserializer<Prediction> de,
            List<ScoringRequest> users,
            Path nextDir)
            throws Exception {
        String name = nextDir.getParent().getFileName().toString();
        String version = nextDir.getFileName().toString();
        ModelControlClient.send(
                ctx.endpoints().bootstrapServers(),
                ctx.endpoints().registryUrl(),
                ctx.endpoints().clientProperties(),
                ModelControlClient.load(name, version, nextDir),
                ModelControlClient.activate(name, version));
        ctx.println("sent LOAD + ACTIVATE " + name + "/" + version + " to '" + TandemTopics.MODEL_CONTROL
                + "'; requests keep flowing while the job loads and warms it up on a loader thread");
        Map<String, Long> sentAt = new LinkedHashMap<>();
        Map<String, String> scoredBy = new LinkedHashMap<>();
        Map<Integer, Set<String>> roundVersions = new HashMap<>();
        int round = 0;
        int doneRound = -1;
        long deadline = System.nanoTime() + SWAP_TIMEOUT.toNanos();
        try (AvroProducer producer = new AvroProducer(ctx.endpoints(), "tandem-demo-swap")) {
            long nextRound = 0;
            while (!ctx.stopping()
                    && System.nanoTime() < deadline
                    && (doneRound < 0 || scoredBy.size() < sentAt.size())) {
                if (doneRound < 0 && System.nanoTime() >= nextRound) {
                    for (int i = 0; i < SWAP_ROUND; i++) {
                        ScoringRequest u = users.get((round * SWAP_ROUND + i) % users.size());
                        ScoringRequest r = ScoringRequest.newBuilder(u)
                                .setRequestId("swap-" + round + "-" + u.getUserId())
                                .build();
                        sentAt.put(r.getRequestId(), System.nanoTime());
                        producer.send(TandemTopics.SCORING_REQUESTS, r.getUserId(), r);
                    }
                    producer.flush();
                    round++;
                    nextRound = System.nanoTime() + SWAP_ROUND_EVERY.toNanos();
                }
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    Prediction pr = de.deserialize(rec.topic(), rec.value());
                    String id = pr.getRequestId().toString();
                    Long sent = sentAt.get(id);
                    if (sent == null || scoredBy.containsKey(id)) continue;
                    String by = pr.getModelName() + "/" + pr.getModelVersion();
                    scoredBy.put(id, by);
                    ctx.predicted(pr);
                    int r = Integer.parseInt(id.substring("swap-".length(), id.indexOf('-', "swap-".length())));
                    roundVersions.computeIfAbsent(r, k -> new LinkedHashSet<>()).add(by);
                    ctx.println(String.format(
                            Locale.ROOT, "  swap: %s scored by %s, latency %.0f ms", id, by, (now - sent) / 1e6));
                    Set<String> vs = roundVersions.get(r);
                    boolean roundComplete = sentAt.keySet().stream()
                            .filter(k -> k.startsWith("swap-" + r + "-"))
                            .allMatch(scoredBy::containsKey);
                    if (doneRound < 0 && roundComplete && vs.size() == 1 && vs.contains(name + "/" + version)) {
                        doneRound = r;
                    }
                }
                job.failure().ifPresent(f -> {
                    throw new IllegalStateException(f);
                });
            }
        }
        if (ctx.stopping()) return;
        if (doneRound < 0 || scoredBy.size() < sentAt.size()) {
            throw new IllegalStateException(
                    "the swap to " + name + "/" + version + " did not complete within " + SWAP_TIMEOUT.toSeconds()
                            + " s: " + scoredBy.size() + " of " + sentAt.size() + " requests predicted");
        }
        Map<String, Integer> byVersion = new LinkedHashMap<>();
        scoredBy.values().forEach(v -> byVersion.merge(v, 1, Integer::sum));
        ctx.println(String.format(
                Locale.ROOT,
                "swap done: %d requests sent during the swap, %d predictions (none lost, none twice), by version %s",
                sentAt.size(),
                scoredBy.size(),
                byVersion));
    }

    private static KafkaConsumer<byte[], byte[]> predictionsConsumer(DemoContext ctx) {
        Map<String, Object> p = ctx.endpoints()
                .client(Map.of(
                        // under the CLI's group prefix, which a secured cluster's ACLs grant its principal
                        ConsumerConfig.GROUP_ID_CONFIG, "tandem-cli-demo-predictions",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(TandemTopics.PREDICTIONS));
        return consumer;
    }

    /**
     * The model for this world: reused from {@code modelsDir} if it is there, else trained (seed
     * {@code seed + seedOffset}) and exported there as {@code demo/<world><suffix>}.
     */
    private Path model(DemoContext ctx, List<UserEvent> log, int seedOffset, String suffix) throws Exception {
        DemoSettings s = ctx.settings();
        return trainOrReuse(modelsDir, s.seed(), s.users(), s.items(), log, seedOffset, suffix, ctx::println);
    }

    /**
     * The demo's model of a generated world (seed, users, items) trained on {@code log}: reused from
     * {@code modelsDir} if a run trained it before, else trained (seed {@code seed + seedOffset}) and exported there
     * as {@code demo/<world><suffix>}; null, with the reason printed, when the log is too small to train on. Shared
     * with {@code tandem chaos}, which scores with the same model.
     */
    public static Path trainOrReuse(
            Path modelsDir,
            long seed,
            int users,
            int items,
            List<UserEvent> log,
            int seedOffset,
            String suffix,
            java.util.function.Consumer<String> println)
            throws Exception {
        // the horizon is part of the key: a model trained with another funnel is not this one; so are the feature
        // spec's format and the model config, so a model cached by an older release (another spec, other defaults)
        // is retrained, not loaded
        ModelConfig config = modelConfig(seed + seedOffset);
        String version = String.format(
                        Locale.ROOT,
                        "s%d-u%d-i%d-e%d-h%dm-f%d-%s",
                        seed,
                        users,
                        items,
                        log.size(),
                        funnel(log).horizon().toMinutes(),
                        FeatureSpec.FORMAT_VERSION,
                        config.fingerprint())
                + suffix;
        Path dir = modelsDir.resolve("demo").resolve(version);
        if (Files.isRegularFile(dir.resolve(FeatureSpec.FILE_NAME))) {
            println.accept("reusing model demo/" + version + " from " + modelsDir);
            return dir;
        }
        long t0 = System.nanoTime();
        ExampleSet data = examples(log);
        if (data.validationCount() == 0) {
            println.accept(
                    "scoring skipped: " + data.size() + " exposures are too few to train a model (try more --events)");
            return null;
        }
        TrainedModel trained;
        try {
            trained = new Trainer(config, null).train(data);
        } catch (TrainingException e) {
            println.accept(
                    "scoring skipped: cannot train a model on this log (" + e.getMessage() + "); try more --events");
            return null;
        }
        try (TrainedModel m = trained) {
            Path out = m.export(modelsDir, version);
            println.accept(String.format(
                    Locale.ROOT,
                    "trained model demo/%s (MMoE, mean-pooled sequence) on %,d exposures in %.1f s; exported to %s",
                    version,
                    data.size(),
                    (System.nanoTime() - t0) / 1e9,
                    out));
            return out;
        }
    }

    /** The demo's training examples from its event log. */
    static ExampleSet examples(List<UserEvent> log) {
        return new ExampleBuilder(new FeatureEncoder(FeatureSpec.defaults()), SequencePolicy.defaults(), funnel(log))
                .buildFromUserEvents(log);
    }

    static ModelConfig modelConfig(long seed) {
        return ModelConfig.defaults()
                .withName("demo")
                .withArchitecture("mmoe", "mean")
                .withTraining(0.005, 256, 2, 1, seed);
    }

    /** One request per busiest user: the items they touched last, then the catalog's first items. */
    static List<ScoringRequest> requests(List<UserEvent> log, long requestTimeMs) {
        Map<String, List<String>> itemsByUser = new HashMap<>();
        for (UserEvent e : log)
            itemsByUser.computeIfAbsent(e.getUserId(), k -> new ArrayList<>()).add(e.getItemId());
        List<String> users = itemsByUser.keySet().stream()
                .sorted(Comparator.<String>comparingInt(u -> -itemsByUser.get(u).size())
                        .thenComparing(u -> u))
                .limit(REQUESTS)
                .toList();
        List<String> popular = log.stream()
                .map(UserEvent::getItemId)
                .distinct()
                .limit(CANDIDATES)
                .toList();
        List<ScoringRequest> out = new ArrayList<>();
        for (String u : users) {
            LinkedHashSet<String> items = new LinkedHashSet<>();
            List<String> own = itemsByUser.get(u);
            for (int i = own.size() - 1; i >= 0 && items.size() < CANDIDATES / 2; i--) items.add(own.get(i));
            for (String i : popular) if (items.size() < CANDIDATES) items.add(i);
            out.add(ScoringRequest.newBuilder()
                    .setRequestId("demo-" + u)
                    .setUserId(u)
                    .setRequestTime(Instant.ofEpochMilli(requestTimeMs))
                    .setCandidates(items.stream()
                            .map(i -> Candidate.newBuilder().setItemId(i).build())
                            .toList())
                    .build());
        }
        return out;
    }

    private static void describe(DemoContext ctx, Prediction p, double latencyMs) {
        List<CandidateScore> best = p.getCandidates().stream()
                .sorted(Comparator.comparingDouble(
                        (CandidateScore c) -> -c.getProbabilities().get(0)))
                .limit(3)
                .toList();
        StringBuilder top = new StringBuilder();
        for (CandidateScore c : best) {
            top.append(String.format(
                    Locale.ROOT,
                    "  %s P(cart) %.3f P(purchase) %.3f",
                    c.getItemId(),
                    c.getProbabilities().get(0),
                    c.getProbabilities().get(1)));
        }
        ctx.println(String.format(
                Locale.ROOT,
                "  prediction %s for user %s: %d candidates, model %s/%s, features as of %s, latency %.0f ms; top:%s",
                p.getRequestId(),
                p.getUserId(),
                p.getCandidates().size(),
                p.getModelName(),
                p.getModelVersion(),
                p.getFeaturesAsOf() == null ? "none" : p.getFeaturesAsOf(),
                latencyMs,
                top));
    }

    @Override
    public void close() throws Exception {
        if (job != null) {
            try {
                job.stop(Duration.ofSeconds(30));
            } finally {
                job = null;
            }
        }
    }
}
