package dev.tandem.features.validation;

/** Why a record went to the dead-letter topic; {@link #code()} is the {@code tandem.dlq.reason} header. */
public enum DeadLetterReason {
    /** The value is not a readable {@code UserEvent} (wire format, schema id, Avro body). */
    DESERIALIZATION("deserialization"),
    /** A null value (tombstone) on the events topic. */
    NULL_VALUE("null-value"),
    /** Empty or blank {@code user_id}. */
    MISSING_USER_ID("missing-user-id"),
    /** The record key is absent or differs from {@code user_id}. */
    KEY_MISMATCH("key-mismatch"),
    /** Empty {@code event_id}, {@code item_id} or {@code category_id}. */
    MISSING_FIELD("missing-field"),
    /** An id longer than the policy's {@code maxIdLength}. */
    ID_TOO_LONG("id-too-long"),
    /** Event time later than the wall clock plus the allowed clock skew. */
    FUTURE_EVENT_TIME("future-event-time"),
    /** {@code action = UNKNOWN} (a symbol this reader does not know). */
    UNKNOWN_ACTION("unknown-action"),
    /** Rejected by the sequence update (e.g. an event time out of range). */
    INVALID_EVENT("invalid-event");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
