package dev.tandem.inference.core;

/**
 * A Kafka record as it arrived: where it came from and its key and value bytes, undecoded (so a
 * record that cannot be decoded can still go to {@code dead-letters} byte for byte). A Flink POJO.
 */
public final class RawRecord implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public String topic;
    public int partition;
    public long offset;
    /** The record's timestamp, or {@link Long#MIN_VALUE} when it has none. */
    public long timestamp;

    public byte[] key;
    public byte[] value;

    /**
     * Whether the record carried the {@code tandem.forget} header ({@code ForgetSignal}). The only header the job reads:
     * it tells a forgotten user's {@code user-features} tombstone from an expired one's.
     */
    public boolean forget;

    public RawRecord() {}

    public static RawRecord of(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        RawRecord r = new RawRecord();
        r.topic = topic;
        r.partition = partition;
        r.offset = offset;
        r.timestamp = timestamp;
        r.key = key;
        r.value = value;
        return r;
    }
}
