package dev.tandem.features.validation;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.topics.DeadLetterReason;

/**
 * The rules an event must pass before it reaches {@code SequenceUpdater} (no Kafka types: an offline
 * replay can apply the same rules). Ids are bounded by the policy's {@code maxIdLength}; the event
 * time may be at most {@code maxClockSkewMs} ahead of the processing wall clock.
 */
public final class EventValidator {
    private final int maxIdLength;
    private final long maxClockSkewMs;

    public EventValidator(int maxIdLength, long maxClockSkewMs) {
        if (maxIdLength < 1) throw new IllegalArgumentException("maxIdLength must be >= 1");
        if (maxClockSkewMs < 0) throw new IllegalArgumentException("maxClockSkewMs must be >= 0");
        this.maxIdLength = maxIdLength;
        this.maxClockSkewMs = maxClockSkewMs;
    }

    /**
     * @param key   the record key (UTF-8), null if absent
     * @param nowMs the wall clock
     * @throws InvalidEventException naming the first rule broken
     */
    public void validate(String key, UserEvent e, long nowMs) {
        String user = e.getUserId();
        if (user == null || user.isBlank()) {
            throw new InvalidEventException(DeadLetterReason.MISSING_USER_ID, "user_id is missing or blank");
        }
        checkLength("user_id", user);
        if (key == null || !key.equals(user)) {
            throw new InvalidEventException(
                    DeadLetterReason.KEY_MISMATCH,
                    "record key " + (key == null ? "is null" : "'" + abbreviate(key) + "'") + " but user_id is '" + user
                            + "'");
        }
        require("event_id", e.getEventId());
        require("item_id", e.getItemId());
        require("category_id", e.getCategoryId());
        if (e.getAction() == null || e.getAction() == Action.UNKNOWN) {
            throw new InvalidEventException(
                    DeadLetterReason.UNKNOWN_ACTION, "action is " + e.getAction() + " in event " + e.getEventId());
        }
        if (e.getEventTime() == null) {
            throw new InvalidEventException(
                    DeadLetterReason.MISSING_FIELD, "event_time is missing in event " + e.getEventId());
        }
        long t = e.getEventTime().toEpochMilli();
        if (t > nowMs + maxClockSkewMs) {
            throw new InvalidEventException(
                    DeadLetterReason.FUTURE_EVENT_TIME,
                    "event_time " + e.getEventTime() + " is " + (t - nowMs) + " ms ahead of the wall clock; at most "
                            + maxClockSkewMs + " ms allowed (event " + e.getEventId() + ")");
        }
        if (t < -BehaviourEvent.MAX_ABS_TIME_MS) {
            throw new InvalidEventException(
                    DeadLetterReason.INVALID_EVENT, "event_time " + t + " ms out of range in event " + e.getEventId());
        }
    }

    private void require(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidEventException(DeadLetterReason.MISSING_FIELD, field + " is missing");
        }
        checkLength(field, value);
    }

    private void checkLength(String field, String value) {
        if (value.length() > maxIdLength) {
            throw new InvalidEventException(
                    DeadLetterReason.ID_TOO_LONG,
                    field + " is " + value.length() + " chars long, at most " + maxIdLength + " allowed: '"
                            + abbreviate(value) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
