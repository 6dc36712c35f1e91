package dev.tandem.bench.scoring;

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

/**
 * What the scoring bench sends: a generated shop, every user's {@code UserFeatures} (their sequence
 * replayed through the streaming job's own {@link SequenceUpdater}), the catalog, and scoring requests
 * for real users with real catalog items (half of each request from the items the user touched, the
 * rest drawn from the catalog), pre-serialized once so producing them costs the bench nothing.
 */
final class ScoringWorkload {
    final SyntheticWorld world;
    final List<LoggedEvent> log;
    final Map<String, UserFeatures> features;
    final List<ItemMetadata> catalog;
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
        this.world = world;
        this.log = log;
        this.features = features;
        this.touched = touched;
        this.users = List.copyOf(features.keySet());
        this.catalog = world.catalog().itemMetadata();
        this.candidates = candidates;
        this.seed = seed;
        // requests come "a minute after the log ends", so the sequences' time gaps look like live traffic
        this.requestTimeMs = log.isEmpty()
                ? GeneratorConfig.DEFAULT_START.toEpochMilli()
                : log.get(log.size() - 1).timeMs() + 60_000;
    }

    static ScoringWorkload generate(int users, int items, long events, int candidates, long seed) {
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

    int candidates() {
        return candidates;
    }

    /** Request {@code n}: id {@code <prefix><n>}, so a consumer can tell every request apart by its number. */
    ScoringRequest request(String prefix, long n) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + n);
        String user = users.get(rnd.nextInt(users.size()));
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
    Path trainedModel(ModelConfig config, Path root, String version, Consumer<String> progress) throws Exception {
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
