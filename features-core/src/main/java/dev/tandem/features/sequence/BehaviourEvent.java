package dev.tandem.features.sequence;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.util.Objects;

/**
 * The part of an event the sequence needs: a lean record for replays (CSV) that do not build Avro
 * objects. {@link #of(UserEvent)} adapts the Avro event.
 *
 * @param eventId     unique and deterministic per event; only its 64-bit hash is kept
 * @param itemId      item id (canonical decimal ids are stored as numbers)
 * @param categoryId  category id
 * @param action      what the user did
 * @param eventTimeMs event time in epoch milliseconds
 */
public record BehaviourEvent(String eventId, String itemId, String categoryId, Action action, long eventTimeMs) {
    /** Event times beyond ±2^60 ms (±36 million years) are rejected, so time deltas always fit. */
    public static final long MAX_ABS_TIME_MS = 1L << 60;

    public BehaviourEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(itemId, "itemId");
        Objects.requireNonNull(categoryId, "categoryId");
        Objects.requireNonNull(action, "action");
        if (eventTimeMs > MAX_ABS_TIME_MS || eventTimeMs < -MAX_ABS_TIME_MS) {
            throw new IllegalArgumentException("event time " + eventTimeMs + " ms out of range ±2^60");
        }
    }

    public static BehaviourEvent of(UserEvent e) {
        Objects.requireNonNull(e.getEventTime(), "event_time");
        return new BehaviourEvent(
                e.getEventId(),
                e.getItemId(),
                e.getCategoryId(),
                e.getAction(),
                e.getEventTime().toEpochMilli());
    }
}
