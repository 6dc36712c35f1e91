package dev.tandem.monitoring.core;

import static dev.tandem.monitoring.core.Varints.readString;
import static dev.tandem.monitoring.core.Varints.writeString;

import dev.tandem.features.codec.ByteWriter;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * One task's counts of one model version's predictions in one window since its last flush: what travels from the
 * task that read the predictions to the task that holds the version's figures.
 *
 * @param key    the model version and window ({@link MetricKey#ALL_STAGES}: the counts cover every stage)
 * @param counts the counts
 */
public record DriftPartial(MetricKey key, DriftCounts counts) {
    private static final int FORMAT_VERSION = 1;

    public DriftPartial {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(counts, "counts");
    }

    /** {@code u8 version, str key, DriftCounts bytes}. */
    public byte[] encode() {
        ByteWriter out = new ByteWriter(160);
        out.write(FORMAT_VERSION);
        writeString(out, key.encode());
        byte[] c = counts.encode();
        out.write(c, 0, c.length);
        return out.toByteArray();
    }

    public static DriftPartial decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.get() & 0xff;
            if (version != FORMAT_VERSION)
                throw new IllegalArgumentException("unknown drift partial format " + version);
            MetricKey key = MetricKey.decode(readString(in));
            return new DriftPartial(key, DriftCounts.decode(Arrays.copyOfRange(bytes, in.position(), bytes.length)));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated drift partial", e);
        }
    }
}
