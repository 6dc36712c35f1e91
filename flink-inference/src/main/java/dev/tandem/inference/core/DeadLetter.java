package dev.tandem.inference.core;

/**
 * A refused record for {@code dead-letters}: the ORIGINAL key and value bytes, and what becomes the
 * {@code tandem.dlq.*} headers ({@code dev.tandem.schemas.topics.DeadLetterHeaders}). A Flink POJO.
 */
public final class DeadLetter implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Longest error message kept in the header. */
    public static final int MAX_MESSAGE_CHARS = 1_000;

    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public long timestamp;
    public byte[] key;
    public byte[] value;
    public String reason;
    public String errorClass;
    public String errorMessage;

    public DeadLetter() {
    }

    public static DeadLetter of(RawRecord r, DeadLetterReason reason, Throwable error) {
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
        d.errorMessage = m.length() > MAX_MESSAGE_CHARS ? m.substring(0, MAX_MESSAGE_CHARS) + "…" : m;
        return d;
    }
}
