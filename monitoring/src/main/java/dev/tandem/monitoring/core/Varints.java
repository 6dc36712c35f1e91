package dev.tandem.monitoring.core;

import dev.tandem.features.codec.ByteWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The pieces of the core's byte formats: unsigned LEB128 varints, zigzag for signed values, strings as varint
 * length + UTF-8, and counts checked against the bytes left (a corrupt count is refused rather than allocated).
 */
final class Varints {
    private Varints() {}

    static int count(ByteBuffer in) {
        long n = readVarLong(in);
        // every element takes at least one byte: a count beyond what is left is corrupt, not a reason to allocate
        if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("bad count " + n);
        return (int) n;
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    static void writeString(ByteWriter out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeVarLong(b.length);
        out.write(b, 0, b.length);
    }

    static String readString(ByteBuffer in) {
        int n = count(in);
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static long readVarLong(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }
}
