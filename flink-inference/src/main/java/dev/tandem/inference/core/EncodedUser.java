package dev.tandem.inference.core;

import java.nio.ByteBuffer;

/**
 * A user's latest features as the join keeps them in keyed state: already encoded by the model's
 * {@code FeatureEncoder} when the features arrive, so a request only adds what depends on its own
 * time (the sequence's time-gap ids and the recency slot of the dense vector). A Flink POJO of
 * primitive arrays: cheap to copy and to snapshot, unlike the Avro {@code UserFeatures} it replaces
 * (strings, lists, nested records). Treated as immutable once built: requests share its arrays.
 */
public final class EncodedUser {
    /** {@code as_of} and {@code sequence_version} of the features, for the ordering rules of {@link FeatureUpdates}. */
    public long asOfMs;

    public long sequenceVersion;

    /** Length L, left-padded with 0 like {@code UserVector}. */
    public int[] seqItem;

    public int[] seqCategory;
    public int[] seqAction;
    /** Event time of each of the newest min(n, L) events, oldest first (the right end of the sequence). */
    public long[] eventTimeMs;
    /** The dense vector with everything but the recency slot (which depends on the request time) filled in. */
    public float[] dense;

    public EncodedUser() {}

    /** How many of the L sequence positions hold events. */
    public int filled() {
        return eventTimeMs.length;
    }

    // The join keeps users as these bytes, not as the POJO: a checkpoint then writes each user with one bulk
    // write (Flink's byte[] serializer) instead of one writeInt per element, which was most of the snapshot's CPU.
    private static final int HEADER = 8 + 8 + 4 + 4 + 4;

    /** Packed: as_of, sequence_version, L, filled, dense width, the three id arrays, the event times, dense. */
    public byte[] toBytes() {
        int l = seqItem.length;
        int take = eventTimeMs.length;
        ByteBuffer b = ByteBuffer.allocate(HEADER + 3 * 4 * l + 8 * take + 4 * dense.length);
        b.putLong(asOfMs).putLong(sequenceVersion).putInt(l).putInt(take).putInt(dense.length);
        b.asIntBuffer().put(seqItem).put(seqCategory).put(seqAction);
        b.position(b.position() + 3 * 4 * l);
        b.asLongBuffer().put(eventTimeMs);
        b.position(b.position() + 8 * take);
        b.asFloatBuffer().put(dense);
        return b.array();
    }

    public static EncodedUser fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        EncodedUser u = new EncodedUser();
        u.asOfMs = b.getLong();
        u.sequenceVersion = b.getLong();
        int l = b.getInt();
        int take = b.getInt();
        int d = b.getInt();
        u.seqItem = new int[l];
        u.seqCategory = new int[l];
        u.seqAction = new int[l];
        u.eventTimeMs = new long[take];
        u.dense = new float[d];
        b.asIntBuffer().get(u.seqItem).get(u.seqCategory).get(u.seqAction);
        b.position(b.position() + 3 * 4 * l);
        b.asLongBuffer().get(u.eventTimeMs);
        b.position(b.position() + 8 * take);
        b.asFloatBuffer().get(u.dense);
        return u;
    }

    public static long asOfMs(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong(0);
    }

    public static long sequenceVersion(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong(8);
    }
}
