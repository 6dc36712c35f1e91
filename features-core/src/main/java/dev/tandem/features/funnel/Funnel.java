package dev.tandem.features.funnel;

import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The funnel a model predicts, and so what its labels mean ({@link FunnelLabels} applies it).
 *
 * @param stages  funnel stages in order; the first is the exposure (VIEW, or IMPRESSION where a log
 *                records impressions). The model predicts P(reach stage k | exposed) for k ≥ 1.
 * @param horizon a later event of the same user and item counts for an exposure if it happens within
 *                this long after it
 */
public record Funnel(List<Action> stages, Duration horizon) {
    public Funnel {
        stages = List.copyOf(Objects.requireNonNull(stages, "stages"));
        Objects.requireNonNull(horizon, "horizon");
        if (stages.size() < 2) {
            throw new IllegalArgumentException(
                    "stages: a funnel needs an exposure and at least one later stage, was " + stages);
        }
        if (new HashSet<>(stages).size() != stages.size() || stages.contains(Action.UNKNOWN)) {
            throw new IllegalArgumentException("stages: must be distinct known actions, was " + stages);
        }
        if (horizon.isNegative() || horizon.isZero()) {
            throw new IllegalArgumentException("horizon must be positive, was " + horizon);
        }
    }

    /** VIEW → CART → PURCHASE, 24 h horizon. */
    public static Funnel defaults() {
        return new Funnel(List.of(Action.VIEW, Action.CART, Action.PURCHASE), Duration.ofHours(24));
    }

    public Action exposure() {
        return stages.get(0);
    }

    /** The predicted stages (all but the exposure). */
    public List<Action> targets() {
        return stages.subList(1, stages.size());
    }

    public int taskCount() {
        return stages.size() - 1;
    }

    /** The stage index of an action, or −1 if it is not a stage. */
    public int stageOf(Action a) {
        return stages.indexOf(a);
    }
}
