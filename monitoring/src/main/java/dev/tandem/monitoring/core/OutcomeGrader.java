package dev.tandem.monitoring.core;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The rules that turn a user's predictions and later events into outcomes, on event time. Labels are
 * {@link FunnelLabels}' (the rules training and {@code tandem evaluate} label exposures with): a candidate
 * reached stage k if the user did stage k, or a later one, to that item at or after the request time and
 * within the horizon.
 *
 * <p>Time is a clock the caller keeps: the highest event time it has seen (Kafka Streams' stream time of the
 * events, per task). A prediction is graded once the clock is past its horizon by more than the grace
 * ({@code requestTime + horizon + grace < clock}), so events up to {@code grace} late still count. Until then
 * it waits in {@link UserOutcomes}. {@link #drain} ends the wait when the input is known to be complete up to
 * a time: outcomes whose horizon fits are final, the others censored, never negatives.
 *
 * <p>Conversions (events of a stage after the exposure) are kept for {@link #retentionMs()} behind the clock:
 * long enough for every waiting prediction, and for a prediction that arrives up to {@code maxPredictionDelay}
 * after its request time (scoring takes time; a replay may send all events first). A prediction older than that
 * is graded at once as censored: the conversions that could answer it may be gone.
 */
public final class OutcomeGrader {
    /** No event seen yet. */
    public static final long NO_CLOCK = Long.MIN_VALUE;

    private final Funnel funnel;
    private final FunnelLabels<BehaviourEvent> rules;
    private final long horizonMs;
    private final long graceMs;
    private final long retentionMs;

    public OutcomeGrader(Funnel funnel, Duration grace, Duration maxPredictionDelay) {
        this.funnel = Objects.requireNonNull(funnel, "funnel");
        this.rules = FunnelLabels.of(funnel);
        if (grace.isNegative()) throw new IllegalArgumentException("grace must not be negative, was " + grace);
        if (maxPredictionDelay.isNegative())
            throw new IllegalArgumentException("maxPredictionDelay must not be negative, was " + maxPredictionDelay);
        this.horizonMs = funnel.horizon().toMillis();
        this.graceMs = grace.toMillis();
        this.retentionMs = Math.max(horizonMs + graceMs, maxPredictionDelay.toMillis());
    }

    public Funnel funnel() {
        return funnel;
    }

    /** How far behind the clock conversions are kept. */
    public long retentionMs() {
        return retentionMs;
    }

    public long graceMs() {
        return graceMs;
    }

    /** Whether an action is a stage after the exposure: the only events an outcome depends on. */
    public boolean isConversion(Action action) {
        return funnel.stageOf(action) >= 1;
    }

    /**
     * Why a prediction cannot be graded, or null when it can: every stage must be one of the funnel's predicted
     * stages (a stage this app does not know has no label rule), probabilities one per stage and not NaN.
     */
    public String refusal(PendingPrediction p) {
        if (p.stages().isEmpty()) return "no stages";
        for (String s : p.stages()) {
            int k = stageIndex(s);
            if (k < 1) return "stage " + s + " is not a predicted stage of the funnel " + funnel.stages();
        }
        if (p.candidates().isEmpty()) return "no candidates";
        if (Math.abs(p.requestTimeMs()) > BehaviourEvent.MAX_ABS_TIME_MS) return "request time out of range";
        for (PendingPrediction.Candidate c : p.candidates()) {
            if (c.probabilities().length != p.stages().size())
                return "candidate " + c.itemId() + " has " + c.probabilities().length + " probabilities for "
                        + p.stages().size() + " stages";
            for (float f : c.probabilities()) if (Float.isNaN(f)) return "candidate " + c.itemId() + " has NaN";
        }
        return null;
    }

    private int stageIndex(String stage) {
        try {
            return funnel.stageOf(Action.valueOf(stage));
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** Whether an event at {@code eventTimeMs} is older than anything a prediction could still need. */
    public boolean expired(long eventTimeMs, long clockMs) {
        return clockMs != NO_CLOCK && eventTimeMs < clockMs - retentionMs;
    }

    /** Whether an event at {@code eventTimeMs} arrives more than the grace behind the clock (it may miss outcomes). */
    public boolean late(long eventTimeMs, long clockMs) {
        return clockMs != NO_CLOCK && eventTimeMs < clockMs - graceMs;
    }

    /** Keeps a conversion for the user's waiting and future predictions; false (not kept) when {@link #expired}. */
    public boolean addConversion(UserOutcomes s, BehaviourEvent e, long clockMs) {
        if (!isConversion(e.action()) || expired(e.eventTimeMs(), clockMs)) return false;
        s.conversions.add(new BehaviourEvent("", e.itemId(), "", e.action(), e.eventTimeMs()));
        return true;
    }

    /**
     * A new prediction of the user (checked with {@link #refusal} first): graded now when its horizon and grace
     * have passed on the clock (censored when it is too old for the kept conversions), otherwise kept waiting.
     *
     * @return the outcomes graded now, one per candidate, or nothing
     */
    public List<Outcome> addPrediction(UserOutcomes s, PendingPrediction p, long clockMs) {
        if (expired(p.requestTimeMs(), clockMs)) return grade(s, p, true, clockMs);
        if (due(p.requestTimeMs(), clockMs)) return grade(s, p, false, clockMs);
        s.pending.add(p);
        return List.of();
    }

    /**
     * Whether the clock is past the horizon by more than the grace: an event at the clock's own time is not late,
     * so an event at exactly {@code requestTime + horizon} may still come until the clock moves beyond
     * {@code requestTime + horizon + grace}. Until then the user's events up to the horizon are not known complete.
     */
    private boolean due(long requestTimeMs, long clockMs) {
        return clockMs != NO_CLOCK && !rules.censored(requestTimeMs, clockMs - graceMs - 1);
    }

    /** Grades and removes the waiting predictions whose horizon and grace have passed on the clock. */
    public List<Outcome> gradeDue(UserOutcomes s, long clockMs) {
        List<Outcome> out = new ArrayList<>();
        for (Iterator<PendingPrediction> it = s.pending.iterator(); it.hasNext(); ) {
            PendingPrediction p = it.next();
            if (due(p.requestTimeMs(), clockMs)) {
                out.addAll(grade(s, p, false, clockMs));
                it.remove();
            }
        }
        return out;
    }

    /**
     * Grades every waiting prediction now, the input being complete up to {@code completeUntilMs} (the end of a
     * replay): final where the horizon fits before it, censored otherwise — the rule offline evaluation applies at
     * the end of a log.
     */
    public List<Outcome> drain(UserOutcomes s, long completeUntilMs) {
        List<Outcome> out = new ArrayList<>();
        for (PendingPrediction p : s.pending) {
            out.addAll(grade(s, p, rules.censored(p.requestTimeMs(), completeUntilMs), completeUntilMs));
        }
        s.pending.clear();
        return out;
    }

    private List<Outcome> grade(UserOutcomes s, PendingPrediction p, boolean censored, long gradedAtMs) {
        int k = p.stages().size();
        int[] stage = new int[k];
        for (int j = 0; j < k; j++) stage[j] = stageIndex(p.stages().get(j));
        List<Outcome> out = new ArrayList<>(p.candidates().size());
        for (int c = 0; c < p.candidates().size(); c++) {
            int reached =
                    rules.reachedStage(p.requestTimeMs(), p.candidates().get(c).itemId(), s.conversions);
            boolean[] r = new boolean[k];
            for (int j = 0; j < k; j++) r[j] = reached >= stage[j];
            out.add(new Outcome(p, c, r, censored, gradedAtMs));
        }
        return out;
    }

    /** Forgets the conversions no prediction can need any more. */
    public void purge(UserOutcomes s, long clockMs) {
        s.conversions.removeIf(e -> expired(e.eventTimeMs(), clockMs));
    }

    /**
     * The clock value at which something next happens to the user: a waiting prediction becomes due, or the oldest
     * conversion expires; {@code Long.MAX_VALUE} when neither.
     */
    public long nextTimerMs(UserOutcomes s) {
        long next = Long.MAX_VALUE;
        for (PendingPrediction p : s.pending) next = Math.min(next, p.requestTimeMs() + horizonMs + graceMs + 1);
        for (BehaviourEvent e : s.conversions) next = Math.min(next, e.eventTimeMs() + retentionMs + 1);
        return next;
    }
}
