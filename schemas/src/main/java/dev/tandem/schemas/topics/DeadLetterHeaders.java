package dev.tandem.schemas.topics;

/**
 * The headers of a record on {@link TandemTopics#DEAD_LETTERS} (values UTF-8 strings). The record
 * keeps the ORIGINAL key and value bytes; these say where it came from and why it was refused.
 * Every module that writes dead letters (streams-features, flink-inference) uses these names.
 */
public final class DeadLetterHeaders {
    public static final String TOPIC = "tandem.dlq.topic";
    public static final String PARTITION = "tandem.dlq.partition";
    public static final String OFFSET = "tandem.dlq.offset";
    public static final String ERROR_CLASS = "tandem.dlq.error.class";
    public static final String ERROR_MESSAGE = "tandem.dlq.error.message";
    /** A short machine-readable reason code, e.g. {@code deserialization}, {@code missing-user-id}. */
    public static final String REASON = "tandem.dlq.reason";

    private DeadLetterHeaders() {
    }
}
