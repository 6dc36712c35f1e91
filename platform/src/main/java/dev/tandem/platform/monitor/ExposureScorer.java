package dev.tandem.platform.monitor;

import dev.tandem.features.interaction.ItemFactsAsOf;
import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Score on exposure, for a replay: reads the features app's {@code user-features} records of each user in order
 * (one per accepted event, {@code sequence_version} + 1 each) and, when the event a record added is an exposure to
 * grade, scores that exposure with the user's PREVIOUS record — the features as of just before the exposure, which
 * is what training encodes ({@code ExampleBuilder}: the sequence before the exposure, at the exposure's time).
 *
 * <p>Why here and not through the scoring job: the job joins a request with the newest features it has read, so
 * whether a request sent for an exposure meets the features before or after that exposure depends on how
 * {@code events}, {@code user-features} and {@code scoring-requests} interleave. Pairing each exposure with the record
 * before it in the user's own ordered {@code user-features} removes the race. The scoring itself is the job's: the
 * model's {@link FeatureEncoder} on the {@link UserFeatures} at the request time (the job's {@code RequestEncoder}
 * gives the same numbers), the candidate's brand and price as the log knew them before the exposure (what
 * {@code tandem evaluate} feeds), and the SavedModel through {@link FunnelScorer}, in batches.
 *
 * <p>Which event a record added: the one {@code (item, category, action, time)} in its {@code events} that the
 * previous record lacks. Identical exposures (user, item and time alike) are told apart by their order: the log's
 * label order sorts them by event id, and the replay sends them in that order.
 */
public final class ExposureScorer implements AutoCloseable {
    static final int BATCH = 2048;

    record Key(String item, String category, Action action, long timeMs) {
        static Key of(SequenceEvent e) {
            return new Key(
                    e.getItemId(),
                    e.getCategoryId(),
                    e.getAction(),
                    e.getEventTime().toEpochMilli());
        }
    }

    private record Occurrence(String user, String item, long timeMs) {}

    private final FunnelScorer scorer;
    private final FeatureEncoder encoder;
    private final List<String> stages;
    private final String modelName;
    private final String modelVersion;
    private final ItemFactsAsOf facts;
    private final Consumer<Prediction> sink;
    private final Map<String, UserEvent> toScore = new HashMap<>();
    /** The VIEW event ids of each (user, item, time), in label order, still to be met. */
    private final Map<Occurrence, Deque<String>> views = new HashMap<>();

    private final Map<String, UserFeatures> previous = new HashMap<>();
    private final EncodedBatch batch;
    private final UserVector user;
    private final String[] userInputNames;
    private final List<Prediction.Builder> rows = new ArrayList<>(BATCH);
    private int scored;

    /**
     * @param log     the valid events of the log, in log order (the item facts are built from them as training builds
     *                them)
     * @param toScore the event ids of the exposures to score (the validation split of {@code tandem evaluate})
     * @param sink    receives one {@link Prediction} per scored exposure, in batches
     */
    public ExposureScorer(
            FunnelScorer scorer,
            List<UserEvent> log,
            Set<String> toScore,
            List<String> stages,
            String modelName,
            String modelVersion,
            Consumer<Prediction> sink) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.encoder = new FeatureEncoder(scorer.spec());
        this.stages = List.copyOf(stages);
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.sink = Objects.requireNonNull(sink, "sink");
        List<ItemFactsAsOf.Fact> f = new ArrayList<>(log.size());
        Map<Occurrence, List<String>> ids = new HashMap<>();
        for (UserEvent e : log) {
            long t = e.getEventTime().toEpochMilli();
            f.add(new ItemFactsAsOf.Fact(e.getItemId(), t, e.getBrand(), e.getPrice()));
            if (e.getAction() == Action.VIEW) {
                List<String> l =
                        ids.computeIfAbsent(new Occurrence(e.getUserId(), e.getItemId(), t), k -> new ArrayList<>());
                if (!l.contains(e.getEventId())) l.add(e.getEventId()); // a repeated id is one event
            }
            if (toScore.contains(e.getEventId())) this.toScore.putIfAbsent(e.getEventId(), e);
        }
        ids.forEach((k, l) -> {
            l.sort(null);
            views.put(k, new ArrayDeque<>(l));
        });
        this.facts = new ItemFactsAsOf(f);
        this.batch = encoder.newBatch(BATCH);
        this.user = encoder.newUserVector();
        this.userInputNames = scorer.spec().userInputNames();
    }

    /** The next {@code user-features} record of a user (null: a tombstone, the user's state was dropped). */
    public void accept(String userId, UserFeatures features) {
        UserFeatures before = previous.get(userId);
        if (features == null) {
            previous.remove(userId);
            return;
        }
        previous.put(userId, features);
        Key added = added(before, features);
        if (added == null || added.action() != Action.VIEW) return;
        Deque<String> pending = views.get(new Occurrence(userId, added.item(), added.timeMs()));
        String id = pending == null ? null : pending.poll();
        UserEvent exposure = id == null ? null : toScore.remove(id);
        if (exposure != null) add(exposure, before);
    }

    /** The one event {@code now} holds that {@code before} does not (multiset difference); null if none. */
    static Key added(UserFeatures before, UserFeatures now) {
        Map<Key, Integer> counts = new HashMap<>();
        if (before != null) for (SequenceEvent e : before.getEvents()) counts.merge(Key.of(e), 1, Integer::sum);
        Key added = null;
        for (SequenceEvent e : now.getEvents()) {
            Key k = Key.of(e);
            Integer c = counts.get(k);
            if (c == null || c == 0) {
                added = k; // the newest such, if the sequence dropped an old one for it
            } else {
                counts.put(k, c - 1);
            }
        }
        return added;
    }

    private void add(UserEvent e, UserFeatures before) {
        long t = e.getEventTime().toEpochMilli();
        String item = e.getItemId();
        String brand = e.getBrand() != null ? e.getBrand() : facts.brand(item, t);
        Double price = e.getPrice() != null ? e.getPrice() : facts.price(item, t);
        encoder.encodeUser(before, t, user);
        ItemCode code = encoder.encodeItem(item, e.getCategoryId(), brand, price);
        int row = rows.size();
        encoder.writeRow(user, code, batch, row);
        rows.add(Prediction.newBuilder()
                .setRequestId(e.getEventId())
                .setUserId(e.getUserId())
                .setModelName(modelName)
                .setModelVersion(modelVersion)
                .setFeaturesAsOf(before == null ? null : before.getAsOf())
                .setRequestTime(e.getEventTime())
                .setStages(stages)
                .setCandidates(List.of(new CandidateScore(item, List.of(), price)))
                .setUserInputs(PredictionAssembler.userInputs(userInputNames, user.dense())));
        if (rows.size() == BATCH) flush();
    }

    /** Scores what is buffered and hands the predictions to the sink. */
    public void flush() {
        int n = rows.size();
        if (n == 0) return;
        batch.setRows(n);
        Instant received = Instant.now();
        long t0 = System.nanoTime();
        float[] p = scorer.score(batch);
        long micros = (System.nanoTime() - t0) / 1_000;
        Instant scoredAt = Instant.now();
        int k = stages.size();
        for (int r = 0; r < n; r++) {
            List<Float> probs = new ArrayList<>(k);
            for (int s = 0; s < k; s++) probs.add(p[r * k + s]);
            Prediction.Builder b = rows.get(r);
            CandidateScore c = b.getCandidates().get(0);
            b.setCandidates(List.of(new CandidateScore(c.getItemId(), probs, c.getPrice())))
                    .setTimings(new PredictionTimings(received, scoredAt, 0L, micros, n));
            sink.accept(b.build());
        }
        scored += n;
        rows.clear();
    }

    /** Exposures scored so far. */
    public int scored() {
        return scored;
    }

    /** The exposures to score that no record has shown yet (all of them must be met by the end). */
    public Collection<UserEvent> unmet() {
        return toScore.values();
    }

    @Override
    public void close() {
        scorer.close();
    }
}
