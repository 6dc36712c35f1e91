package dev.tandem.inference.core;

/**
 * Why a record (a scoring request, or a {@code user-features} / {@code items} record) went to {@code dead-letters}; {@link #code()} is the {@code tandem.dlq.reason}
 * header (codes shared with streams-features' reasons where the meaning is the same).
 */
public enum DeadLetterReason {
    /** The value is not a readable record of its topic's type (wire format, schema id, Avro body). */
    DESERIALIZATION("deserialization"),
    /** A null value (tombstone) on the requests topic, a features tombstone with no key, or a value that decodes to null. */
    NULL_VALUE("null-value"),
    /** Empty or blank {@code user_id}. */
    MISSING_USER_ID("missing-user-id"),
    /** Empty {@code request_id} or an empty candidate {@code item_id}; a blank {@code item_id} on {@code items}. */
    MISSING_FIELD("missing-field"),
    /** A request with no candidates. */
    NO_CANDIDATES("no-candidates"),
    /** A request, user or item id longer than {@code maxIdLength} (requests, features and items). */
    ID_TOO_LONG("id-too-long"),
    /** A {@code model-control} command whose model was refused: spec mismatch, failed load or warm-up, unsupported location. */
    MODEL_REFUSED("model-refused"),
    /** A {@code model-control} command that cannot apply: no model named, nothing to roll back to, version neither loaded nor locatable. */
    INVALID_MODEL_COMMAND("invalid-model-command");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
