package dev.tandem.features.codec;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer for the state encodings, in place of {@link java.io.ByteArrayOutputStream}: every write of
 * that class takes its monitor, and the monitoring app's stores encode millions of small values byte by byte (a
 * user's waiting predictions, score histograms), where the lock cost more than the encoding. An
 * {@link OutputStream}, so a {@link java.io.DataOutputStream} can write through it; not thread-safe.
 */
public final class ByteWriter extends OutputStream {
    private byte[] buf;
    private int size;

    public ByteWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    @Override
    public void write(int b) {
        if (size == buf.length) grow(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (size + len > buf.length) grow(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    /** Unsigned LEB128. */
    public void writeVarLong(long v) {
        if (size + 10 > buf.length) grow(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    /** The raw bits, big-endian. */
    public void writeDouble(double d) {
        long bits = Double.doubleToRawLongBits(d);
        if (size + 8 > buf.length) grow(8);
        for (int i = 7; i >= 0; i--) buf[size++] = (byte) (bits >>> (8 * i));
    }

    public int size() {
        return size;
    }

    /** Empties the buffer and keeps its capacity, for a writer reused record after record. */
    public void reset() {
        size = 0;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void grow(int needed) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + needed));
    }
}
