package dev.tandem.datasets.generator;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.time.Instant;
import java.util.Map;

/**
 * One synthetic event. Views carry the true funnel probabilities they were drawn with; other
 * actions carry NaN there. Strings are shared with the world (no per-event copies), and the id
 * is only built when asked for, so generating in memory stays cheap.
 *
 * @param sequence 0-based position in the stream; with the seed it makes the id
 */
public record GeneratedEvent(
        long sequence,
        String idPrefix,
        String userId,
        String itemId,
        String categoryId,
        Action action,
        long eventTimeMillis,
        double price,
        String brand,
        String sessionId,
        double pCart,
        double pPurchase) {

    /** Deterministic: the same seed and position always give the same id. */
    public String eventId() {
        return idPrefix + sequence;
    }

    public boolean isView() {
        return action == Action.VIEW;
    }

    /** The truth for a view, under the id the event will be known by downstream. */
    public GroundTruth groundTruth(String id) {
        if (!isView()) throw new IllegalStateException("only views carry ground truth, this is a " + action);
        return new GroundTruth(id, userId, itemId, pCart, pPurchase);
    }

    public GroundTruth groundTruth() {
        return groundTruth(eventId());
    }

    public UserEvent toUserEvent() {
        return new UserEvent(
                eventId(),
                userId,
                itemId,
                categoryId,
                action,
                Instant.ofEpochMilli(eventTimeMillis),
                price,
                brand,
                sessionId,
                Map.of());
    }
}
