package dev.tandem.schemas.topics;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * The headers of a record on {@link TandemTopics#DEAD_LETTERS} (values UTF-8 strings). The record
 * keeps the ORIGINAL key and value bytes; these say where it came from and why it was refused.
 * Every module that writes dead letters (streams-features, flink-inference) writes them with
 * {@link #add}, so the names, their order and the message limit are the same everywhere.
 */
public final class DeadLetterHeaders {
    public static final String TOPIC = "tandem.dlq.topic";
    public static final String PARTITION = "tandem.dlq.partition";
    public static final String OFFSET = "tandem.dlq.offset";
    public static final String ERROR_CLASS = "tandem.dlq.error.class";
    public static final String ERROR_MESSAGE = "tandem.dlq.error.message";
    /** A short machine-readable reason: one of {@link DeadLetterReason}'s codes. */
    public static final String REASON = "tandem.dlq.reason";

    /** Longest error message kept (a stack of nested causes or a whole record in a message would bloat every dead letter). */
    public static final int MAX_MESSAGE_CHARS = 1_000;

    private DeadLetterHeaders() {}

    /** {@code message} cut to {@link #MAX_MESSAGE_CHARS} characters, with "…" marking the cut; {@code "null"} for null. */
    public static String truncate(String message) {
        String m = String.valueOf(message);
        return m.length() > MAX_MESSAGE_CHARS ? m.substring(0, MAX_MESSAGE_CHARS) + "…" : m;
    }

    /** The header value for {@code error}'s message: {@link #truncate truncated}. */
    public static String messageOf(Throwable error) {
        return truncate(error.getMessage());
    }

    /**
     * Appends the six dead-letter headers to {@code headers}, in this order: topic, partition, offset,
     * error class, error message, reason. Values are written as given (the caller truncates the
     * message with {@link #truncate} or {@link #messageOf}); a null value is written as {@code "null"}.
     *
     * @return {@code headers}
     */
    public static Headers add(
            Headers headers,
            String sourceTopic,
            int sourcePartition,
            long sourceOffset,
            String errorClass,
            String errorMessage,
            String reasonCode) {
        headers.add(TOPIC, utf8(sourceTopic));
        headers.add(PARTITION, utf8(Integer.toString(sourcePartition)));
        headers.add(OFFSET, utf8(Long.toString(sourceOffset)));
        headers.add(ERROR_CLASS, utf8(errorClass));
        headers.add(ERROR_MESSAGE, utf8(errorMessage));
        headers.add(REASON, utf8(reasonCode));
        return headers;
    }

    private static byte[] utf8(String s) {
        return String.valueOf(s).getBytes(StandardCharsets.UTF_8);
    }
}
