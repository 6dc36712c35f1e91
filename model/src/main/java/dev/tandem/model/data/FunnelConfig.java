package dev.tandem.model.data;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The funnel and how labels are made ({@link Funnel}, whose rules features-core keeps so online grading
 * labels exactly as training does), plus how examples split for training.
 *
 * <p>The split, in time order of exposures: the first {@code trainFraction} of exposures are the training
 * period, the rest validate. A training exposure whose horizon reaches the first validation exposure's time
 * is purged (its label would be made of events of the validation period). Of the training exposures left,
 * the last {@code selectionFraction} form the selection slice, on which models and baselines make every
 * choice (best epoch, regularization); the validation rows are only reported.
 *
 * @param funnel            the stages (the first is the exposure) and the horizon within which a later event of
 *                          the same user and item counts for an exposure
 * @param trainFraction     the first fraction of exposures, in time order, that make the training period
 * @param selectionFraction the last fraction of the (purged) training exposures kept for model selection
 */
public record FunnelConfig(Funnel funnel, double trainFraction, double selectionFraction) {
    /** The default selection slice: the last 15 % of the training exposures. */
    public static final double DEFAULT_SELECTION_FRACTION = 0.15;

    public FunnelConfig {
        Objects.requireNonNull(funnel, "funnel");
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), was " + trainFraction);
        }
        if (!(selectionFraction > 0 && selectionFraction < 1)) {
            throw new IllegalArgumentException("selectionFraction must be in (0, 1), was " + selectionFraction);
        }
    }

    /** With the default selection slice. */
    public FunnelConfig(Funnel funnel, double trainFraction) {
        this(funnel, trainFraction, DEFAULT_SELECTION_FRACTION);
    }

    /**
     * @param stages  funnel stages in order; the first is the exposure (VIEW, or IMPRESSION where a log
     *                records impressions). The model predicts P(reach stage k | exposed) for k ≥ 1.
     * @param horizon a later event of the same user and item counts for an exposure if it happens within
     *                this long after it
     */
    public FunnelConfig(List<Action> stages, Duration horizon, double trainFraction) {
        this(new Funnel(stages, horizon), trainFraction);
    }

    /** VIEW → CART → PURCHASE, 24 h horizon, 70 % train, the last 15 % of it for selection. */
    /**
     * The default funnel within a horizon that fits a log spanning {@code span} of event time: a quarter of it, at
     * least 1 min and at most 1 h. Generated carts follow their view within seconds and purchases within minutes; a
     * horizon as long as the log would censor every exposure, and purge every training one at the validation split.
     */
    public static FunnelConfig fittingSpan(Duration span) {
        Duration horizon = span.dividedBy(4);
        if (horizon.compareTo(Duration.ofMinutes(1)) < 0) horizon = Duration.ofMinutes(1);
        if (horizon.compareTo(Duration.ofHours(1)) > 0) horizon = Duration.ofHours(1);
        FunnelConfig d = defaults();
        return new FunnelConfig(d.stages(), horizon, d.trainFraction());
    }

    /** {@link #fittingSpan} of the event-time span of {@code log}. */
    public static FunnelConfig fitting(java.util.List<LoggedEvent> log) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (LoggedEvent e : log) {
            min = Math.min(min, e.timeMs());
            max = Math.max(max, e.timeMs());
        }
        return fittingSpan(log.isEmpty() ? Duration.ZERO : Duration.ofMillis(max - min));
    }

    public static FunnelConfig defaults() {
        return new FunnelConfig(Funnel.defaults(), 0.7);
    }

    public List<Action> stages() {
        return funnel.stages();
    }

    public Duration horizon() {
        return funnel.horizon();
    }

    public Action exposure() {
        return funnel.exposure();
    }

    /** The predicted stages (all but the exposure). */
    public List<Action> targets() {
        return funnel.targets();
    }

    public int taskCount() {
        return funnel.taskCount();
    }

    /** The stage index of an action, or −1 if it is not a stage. */
    public int stageOf(Action a) {
        return funnel.stageOf(a);
    }
}
