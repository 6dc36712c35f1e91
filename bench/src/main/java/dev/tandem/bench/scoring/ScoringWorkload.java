package dev.tandem.bench.scoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the scoring bench sends: a generated shop, every user's {@code UserFeatures} (their sequence
 * replayed through the streaming job's own {@link SequenceUpdater}), the catalog, and scoring requests
 * for real users with real catalog items (half of each request from the items the user touched, the
 * rest drawn from the catalog), pre-serialized once so producing them costs the bench nothing.
 */
public final class ScoringWorkload {
    final SyntheticWorld world;
    final List<LoggedEvent> log;
    public final Map<String, UserFeatures> features;
    public final List<ItemMetadata> catalog;
    final long requestTimeMs;
    private final List<String> users;
    private final Map<String, List<String>> touched;
    private final int candidates;
    private final long seed;

    private ScoringWorkload(
            SyntheticWorld world,
            List<LoggedEvent> log,
            Map<String, UserFeatures> features,
            Map<String, List<String>> touched,
            int candidates,
            long seed) {
        // requests come "a minute after the log ends", so the sequences' time gaps look like live traffic
        this(
                world,
                log,
                features,
                List.copyOf(features.keySet()),
                touched,
                (log.isEmpty()
                                ? GeneratorConfig.DEFAULT_START.toEpochMilli()
                                : log.get(log.size() - 1).timeMs())
                        + 60_000,
                candidates,
                seed);
    }

    private ScoringWorkload(
            SyntheticWorld world,
            List<LoggedEvent> log,
            Map<String, UserFeatures> features,
            List<String> users,
            Map<String, List<String>> touched,
            long requestTimeMs,
            int candidates,
            long seed) {
        this.world = world;
        this.log = log;
        this.features = features;
        this.touched = touched;
        this.users = users;
        this.catalog = world.catalog().itemMetadata();
        this.candidates = candidates;
        this.seed = seed;
        this.requestTimeMs = requestTimeMs;
    }

    /**
     * Requests for {@code users} whose features some other writer (the features app, in the scale bench) puts in a topic
     * of its own, over {@code world}'s catalog, a minute after {@code lastEventTimeMs}; candidates drawn from the catalog.
     * It holds no log and no features: {@link #prefillCatalog} names that topic.
     */
    public static ScoringWorkload ofUsers(
            SyntheticWorld world, List<String> users, long lastEventTimeMs, int candidates, long seed) {
        return new ScoringWorkload(
                world, List.of(), Map.of(), List.copyOf(users), Map.of(), lastEventTimeMs + 60_000, candidates, seed);
    }

    public static ScoringWorkload generate(int users, int items, long events, int candidates, long seed) {
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(users, items, events, seed));
        SequencePolicy policy = SequencePolicy.defaults();
        List<LoggedEvent> log = new ArrayList<>();
        Map<String, BehaviourSequence> sequences = new LinkedHashMap<>();
        Map<String, List<String>> touched = new HashMap<>();
        for (Iterator<GeneratedEvent> it = world.events(); it.hasNext(); ) {
            LoggedEvent e = LoggedEvent.of(it.next().toUserEvent());
            log.add(e);
            SequenceUpdater.apply(sequences.computeIfAbsent(e.userId(), u -> new BehaviourSequence(policy)), e.event());
            touched.computeIfAbsent(e.userId(), u -> new ArrayList<>())
                    .add(e.event().itemId());
        }
        Map<String, UserFeatures> features = new LinkedHashMap<>();
        sequences.forEach((u, s) -> features.put(u, s.toUserFeatures(u)));
        return new ScoringWorkload(world, log, features, touched, candidates, seed);
    }

    /**
     * Writes what every run of a bench shares into fresh topics: every user's features, the catalog, and {@code requests}
     * throughput requests (ids {@code t-0 …}); returns their names.
     */
    public ScoringRuns.Shared prefill(BenchEnvironment env, int requests, Consumer<String> say) {
        List<String> topics = env.freshTopicsUnprimed("scoring-features", "scoring-items", "scoring-requests");
        long t0 = System.nanoTime();
        TandemAvroSerializer<UserFeatures> fs =
                AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        write(
                env,
                "features",
                p -> features.forEach((u, f) -> p.accept(
                        new ProducerRecord<>(topics.get(0), ScoringRuns.utf8(u), fs.serialize(topics.get(0), f)))));
        writeCatalog(env, topics.get(1));
        writeRequests(env, topics.get(2), requests);
        say.accept(String.format(
                java.util.Locale.ROOT,
                "pre-filled %,d user features, %,d items and %,d requests × %d candidates in %.1f s",
                features.size(),
                catalog.size(),
                requests,
                candidates,
                (System.nanoTime() - t0) / 1e9));
        return new ScoringRuns.Shared(topics.get(0), topics.get(1), topics.get(2));
    }

    /**
     * The catalog into a fresh topic, and a fresh empty requests topic (for {@link #writeRequests}), beside users'
     * features some other writer put in {@code featuresTopic}.
     */
    public ScoringRuns.Shared prefillCatalog(BenchEnvironment env, String featuresTopic) {
        List<String> topics = env.freshTopicsUnprimed("scoring-items", "scoring-requests");
        writeCatalog(env, topics.get(0));
        return new ScoringRuns.Shared(featuresTopic, topics.get(0), topics.get(1));
    }

    /** The throughput requests {@code t-0 …}, as {@link #prefill} writes them, into {@code topic}. */
    public void writeRequests(BenchEnvironment env, String topic, int requests) {
        TandemAvroSerializer<ScoringRequest> rs =
                AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        write(env, "requests", p -> {
            for (int n = 0; n < requests; n++) {
                ScoringRequest r = request("t-", n);
                p.accept(new ProducerRecord<>(topic, ScoringRuns.utf8(r.getUserId()), rs.serialize(topic, r)));
            }
        });
    }

    private void writeCatalog(BenchEnvironment env, String topic) {
        TandemAvroSerializer<ItemMetadata> is =
                AvroSerdes.valueSerializer(env.endpoints().registryUrl());
        write(env, "catalog", p -> {
            for (ItemMetadata m : catalog)
                p.accept(new ProducerRecord<>(topic, ScoringRuns.utf8(m.getItemId()), is.serialize(topic, m)));
        });
    }

    /** Sends what {@code records} hands out with one producer, flushed; the first failed send fails it. */
    private static void write(
            BenchEnvironment env, String what, Consumer<Consumer<ProducerRecord<byte[], byte[]>>> records) {
        SendErrors errors = new SendErrors();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                ProducerSettings.throughput(env.endpoints().bootstrapServers(), "tandem-bench-scoring-fill"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            records.accept(r -> p.send(r, errors));
            p.flush();
        }
        errors.throwIfFailed(what);
    }

    int candidates() {
        return candidates;
    }

    /** Request {@code n}: id {@code <prefix><n>}, so a consumer can tell every request apart by its number. */
    ScoringRequest request(String prefix, long n) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + n);
        return request(prefix, n, rnd.nextInt(users.size()), rnd);
    }

    /**
     * Request {@code n} for user {@code n mod users} (in the features' order): each user's requests as far apart as the
     * users are many, so a reader of a per-user store sees each request's answer before the next one replaces it. Its
     * request time is {@code n} ms after the others' common one: later requests are newer, as live ones are, which is
     * what the serving stores' newest-wins rule (request time, then request id) keeps.
     */
    public ScoringRequest requestRoundRobin(String prefix, long n) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + n);
        rnd.nextInt(users.size()); // the same candidates as request(prefix, n)
        ScoringRequest r = request(prefix, n, (int) (n % users.size()), rnd);
        r.setRequestTime(Instant.ofEpochMilli(requestTimeMs + n));
        return r;
    }

    /** The user {@link #requestRoundRobin} sends request {@code n} for. */
    public String roundRobinUser(long n) {
        return users.get((int) (n % users.size()));
    }

    public int users() {
        return users.size();
    }

    private ScoringRequest request(String prefix, long n, int userIndex, SplittableRandom rnd) {
        String user = users.get(userIndex);
        List<String> own = touched.getOrDefault(user, List.of());
        LinkedHashSet<String> items = new LinkedHashSet<>();
        for (int i = own.size() - 1; i >= 0 && items.size() < candidates / 2; i--) items.add(own.get(i));
        while (items.size() < candidates)
            items.add(catalog.get(rnd.nextInt(catalog.size())).getItemId());
        List<Candidate> cands = new ArrayList<>(candidates);
        for (String i : items) cands.add(Candidate.newBuilder().setItemId(i).build());
        return ScoringRequest.newBuilder()
                .setRequestId(prefix + n)
                .setUserId(user)
                .setCandidates(cands)
                .setRequestTime(Instant.ofEpochMilli(requestTimeMs))
                .build();
    }

    /** {@code count} requests as (key, value) wire-format bytes, ids {@code <prefix>0 … <prefix>count-1}. */
    byte[][][] serializedRequests(
            String prefix, int count, TandemAvroSerializer<ScoringRequest> serializer, String topic) {
        byte[][][] out = new byte[count][][];
        for (int n = 0; n < count; n++) {
            ScoringRequest r = request(prefix, n);
            out[n] = new byte[][] {
                r.getUserId().getBytes(java.nio.charset.StandardCharsets.UTF_8), serializer.serialize(topic, r)
            };
        }
        return out;
    }

    /**
     * Trains {@code config} on this log (VIEW → CART → PURCHASE within a horizon that fits it, 1 h at most) and exports it under {@code root}; when
     * {@code root/<name>/<version>} already holds an export (a cache dir), that model is reused.
     */
    public Path trainedModel(ModelConfig config, Path root, String version, Consumer<String> progress)
            throws Exception {
        Path dir = root.resolve(config.name()).resolve(version);
        if (Files.isRegularFile(dir.resolve(FeatureSpec.FILE_NAME))) {
            progress.accept("reusing model " + dir);
            return dir;
        }
        // 1 h on the default logs; shorter on the small ones of --quick runs, which a 1 h horizon would purge whole
        FunnelConfig funnel = FunnelConfig.fitting(log);
        ExampleSet data = new ExampleBuilder(
                        new FeatureEncoder(FeatureSpec.defaults(SequencePolicy.defaults())),
                        SequencePolicy.defaults(),
                        funnel)
                .build(log);
        long t0 = System.nanoTime();
        try (TrainedModel m = new Trainer(config, null).train(data)) {
            Path out = m.export(root, version);
            progress.accept(String.format(
                    java.util.Locale.ROOT,
                    "trained " + config.name() + "/" + version + " (%s, %s) on %,d exposures in %.1f s",
                    config.architecture(),
                    config.sequenceEncoder(),
                    data.size(),
                    (System.nanoTime() - t0) / 1e9));
            return out;
        }
    }
}
