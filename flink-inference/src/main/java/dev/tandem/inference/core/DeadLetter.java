package dev.tandem.inference.core;

import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.DeadLetterReason;

/**
 * A refused record for {@code dead-letters}: the ORIGINAL key and value bytes, and what becomes the
 * {@code tandem.dlq.*} headers ({@link DeadLetterHeaders}, written by {@code DeadLetterSerializer}). A Flink POJO.
 */
public final class DeadLetter implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public long timestamp;
    public byte[] key;
    public byte[] value;
    public String reason;
    public String errorClass;
    public String errorMessage;

    public DeadLetter() {}

    public static DeadLetter of(RawRecord r, DeadLetterReason reason, Throwable error) {
        return of(r, reason, error, null);
    }

    /** As {@link #of(RawRecord, DeadLetterReason, Throwable)}, the message prefixed with {@code context + ": "} (when not null). */
    public static DeadLetter of(RawRecord r, DeadLetterReason reason, Throwable error, String context) {
        DeadLetter d = new DeadLetter();
        d.sourceTopic = r.topic;
        d.sourcePartition = r.partition;
        d.sourceOffset = r.offset;
        d.timestamp = r.timestamp;
        d.key = r.key;
        d.value = r.value;
        d.reason = reason.code();
        d.errorClass = error.getClass().getName();
        String m = String.valueOf(error.getMessage());
        d.errorMessage = DeadLetterHeaders.truncate(context == null ? m : context + ": " + m);
        return d;
    }
}
