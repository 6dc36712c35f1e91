package dev.tandem.model.data;

import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.interaction.CandidateInteractions;
import dev.tandem.features.interaction.ItemFactsAsOf;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns an event log into training examples by replaying each user's events, in time order,
 * through the same {@link SequenceUpdater} the streaming job uses, encoding with the same
 * {@link FeatureEncoder} the scorer uses, and labelling with the same {@link FunnelLabels} online
 * grading uses:
 *
 * <ul>
 *   <li>every exposure (an event of the funnel's first stage) becomes one example whose features are
 *       the user's state just BEFORE the exposure, at the exposure's time;</li>
 *   <li>its label for stage k is whether the same user did stage k, or a later stage, to the same item
 *       after the exposure and within the horizon;</li>
 *   <li>an exposure whose horizon runs past the last event of the log is censored: for each stage
 *       without a positive yet it is masked out (neither trains nor evaluates), and counted;</li>
 *   <li>a conversion with no exposure of the same item within the horizon before it is counted as an
 *       unexposed conversion, never dropped silently nor turned into an invented exposure;</li>
 *   <li>the auxiliary label of an exposure is the hashed category bucket (the feature spec's category
 *       buckets, as {@code cand_category}) of the user's next event after it, 0 (masked) when there is none;</li>
 *   <li>the candidate's brand and price are the exposure's own, else the newest an earlier event of the
 *       log carried ({@link ItemFactsAsOf}): never a value first seen after the exposure;</li>
 *   <li>its {@link CandidateInteractions} (the user's kept history on the item and its category) are taken
 *       from the same sequence, just before the exposure;</li>
 *   <li>examples are ordered by exposure time (ties by user, then by position); the first
 *       {@code trainFraction} are the training period, less those whose horizon reaches the first
 *       validation exposure (purged, counted); its last {@code selectionFraction} is the selection slice.</li>
 * </ul>
 * Within a user, events at the same time are ordered by funnel stage (exposure first), then id.
 */
public final class ExampleBuilder {
    private final FeatureEncoder encoder;
    private final SequencePolicy policy;
    private final FunnelConfig funnel;

    public ExampleBuilder(FeatureEncoder encoder, SequencePolicy policy, FunnelConfig funnel) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.funnel = Objects.requireNonNull(funnel, "funnel");
    }

    /** Validates Avro events with the streaming job's {@link EventValidator} and builds from the valid ones. */
    public ExampleSet buildFromUserEvents(Iterable<UserEvent> events) {
        EventValidator validator = new EventValidator(policy.maxIdLength(), 0);
        List<LoggedEvent> ok = new ArrayList<>();
        long invalid = 0;
        for (UserEvent e : events) {
            try {
                validator.validate(e.getUserId(), e, Long.MAX_VALUE / 2); // offline: no wall clock to be ahead of
                ok.add(LoggedEvent.of(e));
            } catch (InvalidEventException | IllegalArgumentException | NullPointerException ex) {
                invalid++;
            }
        }
        return build(ok, invalid);
    }

    public ExampleSet build(List<LoggedEvent> events) {
        return build(events, 0);
    }

    /**
     * @param invalidEvents events already refused upstream (reported in the stats)
     * @throws IllegalArgumentException when the log yields no example at all
     */
    public ExampleSet build(List<LoggedEvent> events, long invalidEvents) {
        int k = funnel.taskCount();
        Action exposure = funnel.exposure();
        FunnelLabels<LoggedEvent> rules = new FunnelLabels<>(funnel.funnel(), LoggedEvent::event);

        ItemFactsAsOf facts = new ItemFactsAsOf(events.stream()
                .map(e -> new ItemFactsAsOf.Fact(e.event().itemId(), e.timeMs(), e.brand(), e.price()))
                .toList());
        CandidateInteractions interactions = new CandidateInteractions(funnel.stages());
        int w = interactions.width();
        Map<String, List<LoggedEvent>> byUser = new LinkedHashMap<>();
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (LoggedEvent e : events) {
            byUser.computeIfAbsent(e.userId(), u -> new ArrayList<>()).add(e);
            start = Math.min(start, e.timeMs());
            end = Math.max(end, e.timeMs());
        }

        int maxExposures = 0;
        for (LoggedEvent e : events) {
            if (e.event().action() == exposure) {
                maxExposures++;
            }
        }
        if (maxExposures == 0) {
            throw new IllegalArgumentException("no examples: the log of " + events.size() + " events has no " + exposure
                    + " (exposure) event, so there is nothing to train on");
        }
        EncodedBatch raw = encoder.newBatch(maxExposures);
        float[] labels = new float[maxExposures * k];
        float[] mask = new float[maxExposures * k];
        long[] times = new long[maxExposures];
        String[] users = new String[maxExposures];
        String[] items = new String[maxExposures];
        String[] ids = new String[maxExposures];
        int[] nextCat = new int[maxExposures];
        float[] inter = new float[maxExposures * w];
        boolean[] censoredRow = new boolean[maxExposures];
        double[] prices = new double[maxExposures];
        double[] recency = new double[maxExposures];
        float[] candidate = new float[w];
        long[] unexposed = new long[k];
        long duplicates = 0;
        int n = 0;

        List<String> userOrder = new ArrayList<>(byUser.keySet());
        userOrder.sort(Comparator.naturalOrder());
        UserVector user = encoder.newUserVector();
        for (String userId : userOrder) {
            List<LoggedEvent> raws = byUser.get(userId);
            List<LoggedEvent> evs = rules.timeline(raws);
            duplicates += raws.size() - evs.size();
            BehaviourSequence seq = new BehaviourSequence(policy);
            for (int i = 0; i < evs.size(); i++) {
                LoggedEvent e = evs.get(i);
                Action a = e.event().action();
                int stage = funnel.stageOf(a);
                String item = e.event().itemId();
                double recencyHours = Double.NaN;
                if (a == exposure) { // as of just before the exposure
                    encoder.encodeUser(seq, e.timeMs(), user);
                    interactions.compute(seq, item, e.event().categoryId(), e.timeMs(), candidate, 0);
                    recencyHours =
                            DriftFeatures.recencyHours(e.timeMs(), seq.hasEvents() ? seq.latestEventTimeMs() : null);
                }
                UpdateOutcome outcome = SequenceUpdater.apply(seq, e.event());
                if (stage >= 1 && !rules.exposedBefore(evs, i)) {
                    unexposed[stage - 1]++;
                }
                if (a != exposure || outcome != UpdateOutcome.ACCEPTED) {
                    continue;
                }
                long t = e.timeMs();
                Double price = e.price() != null ? e.price() : facts.price(item, t);
                ItemCode code = encoder.encodeItem(
                        item, e.event().categoryId(), e.brand() != null ? e.brand() : facts.brand(item, t), price);
                prices[n] = DriftFeatures.price(price);
                recency[n] = recencyHours;
                encoder.writeRow(user, code, raw, n);
                System.arraycopy(candidate, 0, inter, n * w, w);
                censoredRow[n] = rules.censored(t, end);
                rules.label(rules.reachedStage(evs, i), censoredRow[n], labels, mask, n * k);
                times[n] = t;
                users[n] = userId;
                items[n] = item;
                ids[n] = e.event().eventId();
                nextCat[n] = i + 1 < evs.size()
                        ? encoder.categoryId(evs.get(i + 1).event().categoryId())
                        : 0;
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException(
                    "no examples: none of the " + events.size() + " events made an exposure");
        }

        // time order of exposures (stable: user, then position, as built)
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        final long[] tt = times;
        Arrays.sort(idx, Comparator.comparingLong(i -> tt[i]));

        // the split: the training period, less the exposures whose horizon reaches the first validation
        // exposure (their labels are made of validation-period events), then the validation rows
        int trainPeriod = Math.max(1, Math.min(n, (int) Math.floor(n * funnel.trainFraction())));
        long splitTime = trainPeriod < n ? times[idx[trainPeriod]] : end;
        long horizonMs = funnel.horizon().toMillis();
        List<Integer> kept = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            int from = idx[r];
            if (r >= trainPeriod || times[from] + horizonMs < splitTime) {
                kept.add(from);
            }
        }
        int purged = n - kept.size();
        int train = trainPeriod - purged;
        int selection = train < 2 ? 0 : Math.max(1, (int) Math.round(train * funnel.selectionFraction()));
        int fit = train - selection;
        int rows = kept.size();
        if (rows == 0) {
            throw new IllegalArgumentException(
                    "no examples: every one of the " + n + " exposures was purged (horizon " + funnel.horizon() + ")");
        }

        EncodedBatch features = encoder.newBatch(rows);
        float[] l2 = new float[rows * k];
        float[] m2 = new float[rows * k];
        long[] t2 = new long[rows];
        String[] u2 = new String[rows];
        String[] i2 = new String[rows];
        String[] id2 = new String[rows];
        int[] nc2 = new int[rows];
        float[] x2 = new float[rows * w];
        double[] price2 = new double[rows];
        double[] recency2 = new double[rows];
        long censored = 0;
        long[] censoredNeg = new long[k];
        for (int r = 0; r < rows; r++) {
            int from = kept.get(r);
            raw.copyRow(from, features, r);
            System.arraycopy(labels, from * k, l2, r * k, k);
            System.arraycopy(mask, from * k, m2, r * k, k);
            System.arraycopy(inter, from * w, x2, r * w, w);
            t2[r] = times[from];
            u2[r] = users[from];
            i2[r] = items[from];
            id2[r] = ids[from];
            nc2[r] = nextCat[from];
            price2[r] = prices[from];
            recency2[r] = recency[from];
            censored += censoredRow[from] ? 1 : 0;
            for (int s = 0; s < k; s++) {
                censoredNeg[s] += m2[r * k + s] == 0 ? 1 : 0;
            }
        }
        features.setRows(rows);

        List<Long> trainPos = new ArrayList<>();
        List<Long> selPos = new ArrayList<>();
        List<Long> valPos = new ArrayList<>();
        List<Long> valEval = new ArrayList<>();
        for (int s = 0; s < k; s++) {
            long tp = 0;
            long sp = 0;
            long vp = 0;
            long ve = 0;
            for (int r = 0; r < rows; r++) {
                if (m2[r * k + s] == 0) {
                    continue;
                }
                boolean pos = l2[r * k + s] > 0;
                if (r < train) {
                    tp += pos ? 1 : 0;
                    sp += pos && r >= fit ? 1 : 0;
                } else {
                    vp += pos ? 1 : 0;
                    ve++;
                }
            }
            trainPos.add(tp);
            selPos.add(sp);
            valPos.add(vp);
            valEval.add(ve);
        }
        DataStats stats = new DataStats(
                events.size() + invalidEvents,
                invalidEvents,
                duplicates,
                byUser.size(),
                n,
                train,
                rows - train,
                censored,
                boxed(censoredNeg),
                trainPos,
                valPos,
                valEval,
                boxed(unexposed),
                start,
                end,
                splitTime,
                purged,
                fit,
                selection,
                fit < train ? t2[fit] : splitTime,
                selPos);
        return new ExampleSet(funnel, features, l2, m2, t2, u2, i2, id2, fit, train, stats, nc2, x2, price2, recency2);
    }

    private static List<Long> boxed(long[] a) {
        List<Long> out = new ArrayList<>(a.length);
        for (long x : a) {
            out.add(x);
        }
        return out;
    }
}
