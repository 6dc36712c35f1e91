package dev.tandem.schemas.topics;

/**
 * Why a record went to {@link TandemTopics#DEAD_LETTERS}; {@link #code()} is the value of the
 * {@link DeadLetterHeaders#REASON} header. One enum for every writer (the features app and the
 * scoring job), so a code means the same thing whichever module refused the record. Codes are part
 * of the topic's contract: never rename one.
 */
public enum DeadLetterReason {
    /** The value is not a readable record of its topic's type (wire format, schema id, Avro body). */
    DESERIALIZATION("deserialization"),
    /**
     * A null value (tombstone) where none is allowed (events, scoring requests), a features tombstone
     * with no key, or a value that decodes to null.
     */
    NULL_VALUE("null-value"),
    /** Empty or blank {@code user_id}. */
    MISSING_USER_ID("missing-user-id"),
    /** An event's record key is absent or differs from its {@code user_id}. */
    KEY_MISMATCH("key-mismatch"),
    /**
     * A required field is empty: an event's {@code event_id}, {@code item_id}, {@code category_id} or
     * {@code event_time}; a request's {@code request_id} or a candidate's {@code item_id}; an item's id.
     */
    MISSING_FIELD("missing-field"),
    /** An id longer than the configured {@code maxIdLength} (events, requests, features and items). */
    ID_TOO_LONG("id-too-long"),
    /** Event time later than the wall clock plus the allowed clock skew. */
    FUTURE_EVENT_TIME("future-event-time"),
    /** {@code action = UNKNOWN} (a symbol this reader does not know). */
    UNKNOWN_ACTION("unknown-action"),
    /** Rejected by the sequence update (e.g. an event time out of range). */
    INVALID_EVENT("invalid-event"),
    /** A scoring request with no candidates. */
    NO_CANDIDATES("no-candidates"),
    /** A {@code model-control} command whose model was refused: spec mismatch, failed load or warm-up, unsupported location. */
    MODEL_REFUSED("model-refused"),
    /** A {@code model-control} command that cannot apply: no model named, nothing to roll back to, version neither loaded nor locatable. */
    INVALID_MODEL_COMMAND("invalid-model-command"),
    /**
     * A scoring request older than the scoring job's {@code scoring.request.deadline} when its turn to be scored came
     * (age = scoring time − {@code request_time}): not scored, so a backlog sheds load instead of answering late.
     */
    DEADLINE("deadline");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
