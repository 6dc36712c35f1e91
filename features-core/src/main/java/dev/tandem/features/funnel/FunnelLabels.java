package dev.tandem.features.funnel;

import dev.tandem.features.sequence.BehaviourEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The label rules of a {@link Funnel}, one user at a time: what training examples are labelled with
 * offline, and what a prediction is graded against once the user's later events are in. Works on any
 * event type that yields a {@link BehaviourEvent} ({@link #of(Funnel)} for plain ones).
 *
 * <ul>
 *   <li>A user's events are taken in {@linkplain #timeline label order}: time, then funnel stage (exposure
 *       first; actions outside the funnel before it), then event id; a repeated event id counts once.</li>
 *   <li>An exposure (an event of the first stage) of an item reaches stage k if the same user did stage k, or
 *       a later stage, to the same item after it and within the horizon ({@link #reachedStage}); its label for
 *       target k is 1 if it reached it ({@link #label}).</li>
 *   <li>An exposure whose horizon runs past the end of what was seen is {@linkplain #censored censored}: a
 *       target without a positive yet is unknown (mask 0), neither trained on nor graded.</li>
 *   <li>A later-stage event with no exposure of the same item within the horizon before it is an unexposed
 *       conversion ({@link #exposedBefore}): counted by the caller, never turned into an invented exposure.</li>
 * </ul>
 *
 * @param <T> the caller's event type
 */
public final class FunnelLabels<T> {
    private final Funnel funnel;
    private final Function<? super T, BehaviourEvent> event;
    private final long horizonMs;
    private final Comparator<T> order;

    /** @param event the lean event inside the caller's type */
    public FunnelLabels(Funnel funnel, Function<? super T, BehaviourEvent> event) {
        this.funnel = Objects.requireNonNull(funnel, "funnel");
        this.event = Objects.requireNonNull(event, "event");
        this.horizonMs = funnel.horizon().toMillis();
        Comparator<T> byTime = Comparator.comparingLong(e -> event.apply(e).eventTimeMs());
        this.order = byTime.thenComparingInt(
                        (T e) -> funnel.stageOf(event.apply(e).action()))
                .thenComparing(e -> event.apply(e).eventId());
    }

    public static FunnelLabels<BehaviourEvent> of(Funnel funnel) {
        return new FunnelLabels<>(funnel, e -> e);
    }

    public Funnel funnel() {
        return funnel;
    }

    /**
     * Label order: time, then funnel stage (exposure first; actions outside the funnel before it), then event id. A
     * replay that sends a log in this order gives the online path each user's events in the order training replays
     * them.
     */
    public Comparator<T> order() {
        return order;
    }

    /**
     * One user's events in label order, repeated event ids dropped (the first in that order stays): a
     * replayed log must not count an event twice. The sequence updater drops such copies too, but labels are
     * made from this list.
     */
    public List<T> timeline(Collection<? extends T> userEvents) {
        List<T> sorted = new ArrayList<>(userEvents);
        sorted.sort(order);
        Set<String> seen = new HashSet<>();
        List<T> out = new ArrayList<>(sorted.size());
        for (T e : sorted) {
            if (seen.add(event.apply(e).eventId())) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * The furthest stage (index into {@link Funnel#stages()}; 0 when nothing followed) the user reached on the
     * item of event {@code exposure} of a {@link #timeline}, with events after it within the horizon.
     */
    public int reachedStage(List<? extends T> timeline, int exposure) {
        BehaviourEvent e = event.apply(timeline.get(exposure));
        String item = e.itemId();
        long t = e.eventTimeMs();
        int reached = 0;
        for (int j = exposure + 1; j < timeline.size(); j++) {
            BehaviourEvent later = event.apply(timeline.get(j));
            if (later.eventTimeMs() - t > horizonMs) {
                break;
            }
            if (later.itemId().equals(item)) {
                reached = Math.max(reached, funnel.stageOf(later.action()));
            }
        }
        return reached;
    }

    /**
     * {@link #reachedStage(List, int)} for a prediction made at {@code fromMs} for {@code itemId} rather than for an
     * exposure in a timeline: the furthest stage among the user's events on that item at or after {@code fromMs}
     * and within the horizon, in any order (0 when none). For a logged exposure at {@code fromMs} both give the same
     * answer: an event at the exposure's own time that sorts before it in label order is of stage 0 or of no stage,
     * so it cannot raise the result. This is how online grading labels a prediction with the events that followed.
     */
    public int reachedStage(long fromMs, String itemId, Iterable<? extends T> events) {
        int reached = 0;
        for (T x : events) {
            BehaviourEvent e = event.apply(x);
            long t = e.eventTimeMs();
            if (t >= fromMs && t - fromMs <= horizonMs && e.itemId().equals(itemId)) {
                reached = Math.max(reached, funnel.stageOf(e.action()));
            }
        }
        return reached;
    }

    /**
     * Whether the horizon of an exposure at {@code exposureTimeMs} runs past {@code seenUntilMs}, the time of the
     * last event seen (offline the end of the log; online how far the user's events are known to be complete).
     */
    public boolean censored(long exposureTimeMs, long seenUntilMs) {
        return exposureTimeMs + horizonMs > seenUntilMs;
    }

    /**
     * Writes one exposure's labels for the {@link Funnel#taskCount()} targets at {@code offset}: {@code labels}
     * 1 where it reached the target (reaching a later stage counts as reaching the earlier ones), else 0;
     * {@code mask} 0 where the exposure is censored and the target has no positive yet, else 1.
     */
    public void label(int reached, boolean censored, float[] labels, float[] mask, int offset) {
        for (int s = 0; s < funnel.taskCount(); s++) {
            boolean positive = reached >= s + 1;
            labels[offset + s] = positive ? 1f : 0f;
            mask[offset + s] = known(positive, censored) ? 1f : 0f;
        }
    }

    /**
     * Whether a target's label is known: a positive always is (it already happened); a negative only once the
     * horizon has passed. What {@link #label} masks by, and what online grading leaves out of a stage's metrics.
     */
    public static boolean known(boolean positive, boolean censored) {
        return positive || !censored;
    }

    /** Whether an exposure of the item of event {@code i} of a {@link #timeline} precedes it within the horizon. */
    public boolean exposedBefore(List<? extends T> timeline, int i) {
        BehaviourEvent e = event.apply(timeline.get(i));
        String item = e.itemId();
        long t = e.eventTimeMs();
        for (int j = i - 1; j >= 0; j--) {
            BehaviourEvent earlier = event.apply(timeline.get(j));
            if (t - earlier.eventTimeMs() > horizonMs) {
                return false;
            }
            if (earlier.action() == funnel.exposure() && earlier.itemId().equals(item)) {
                return true;
            }
        }
        return false;
    }
}
