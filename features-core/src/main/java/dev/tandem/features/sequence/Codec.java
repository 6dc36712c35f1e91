package dev.tandem.features.sequence;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Varints (LEB128), zigzag, fixed 64-bit little-endian and ids: the building blocks of the state encodings. */
final class Codec {
    private Codec() {}

    /** Numeric ids below this bound are written as varlongs; everything else as UTF-8. */
    static final long NUMERIC_ID_LIMIT = 1L << 62;
    /** Marker of a non-numeric id in the {@code num} slot. */
    static final long NOT_NUMERIC = -1;

    /**
     * The value of a canonical decimal id ("0", "17", not "017", "+17", "-1") below 2^62, or
     * {@link #NOT_NUMERIC}.
     */
    static long numericId(String s) {
        int n = s.length();
        if (n == 0 || n > 19) {
            return NOT_NUMERIC;
        }
        char c0 = s.charAt(0);
        if (c0 < '0' || c0 > '9' || (c0 == '0' && n > 1)) {
            return NOT_NUMERIC;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return NOT_NUMERIC;
            }
            v = v * 10 + (c - '0');
            if (v < 0 || v >= NUMERIC_ID_LIMIT) {
                return NOT_NUMERIC;
            }
        }
        return v;
    }

    static String idString(long num, String str) {
        return str != null ? str : Long.toString(num);
    }

    /** Total order on ids: numeric ids first (by value), then the others (by {@link String#compareTo}). */
    static int compareIds(long numA, String strA, long numB, String strB) {
        if (strA == null) {
            return strB == null ? Long.compare(numA, numB) : -1;
        }
        return strB == null ? 1 : strA.compareTo(strB);
    }

    /**
     * 64-bit hash of an event id: FNV-1a over its UTF-16 code units, finished with MurmurHash3's fmix64;
     * never 0 (0 marks an empty slot). Part of the encoding: changing it needs a new format version.
     */
    static long eventIdHash(String eventId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = eventId.length(); i < n; i++) {
            h ^= eventId.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 0x9e3779b97f4a7c15L : h;
    }

    private static final byte[] DIGIT_TENS = new byte[100];
    private static final byte[] DIGIT_ONES = new byte[100];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_TENS[i] = (byte) ('0' + i / 10);
            DIGIT_ONES[i] = (byte) ('0' + i % 10);
        }
    }

    static final class Writer {
        private byte[] buf;
        private int pos;

        Writer(int initial) {
            buf = new byte[Math.max(16, initial)];
        }

        private void ensure(int extra) {
            if (pos + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        /** Unsigned LEB128 varint of 64 bits (1–10 bytes). */
        void varlong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void zigzag(long v) {
            varlong((v << 1) ^ (v >> 63));
        }

        void fixed64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buf[pos++] = (byte) (v >>> (8 * i));
            }
        }

        /** An id: varlong {@code value << 1} if numeric, else varlong {@code utf8Length << 1 | 1} and the UTF-8 bytes. */
        void id(long num, String str) {
            if (str == null) {
                varlong(num << 1);
            } else {
                byte[] b = str.getBytes(StandardCharsets.UTF_8);
                varlong(((long) b.length << 1) | 1);
                ensure(b.length);
                System.arraycopy(b, 0, buf, pos, b.length);
                pos += b.length;
            }
        }

        /**
         * A format-2 id field: varlong {@code value << 2} if numeric, else varlong {@code utf8Length << 2 | 1}
         * and the UTF-8 bytes ({@link #ref} uses the tag 2).
         */
        void taggedId(long num, String str) {
            if (str == null) {
                varlong(num << 2);
            } else {
                byte[] b = str.getBytes(StandardCharsets.UTF_8);
                varlong(((long) b.length << 2) | 1);
                bytes(b);
            }
        }

        /** A format-2 id field that refers to an id written elsewhere: varlong {@code k << 2 | 2}. */
        void ref(int k) {
            varlong(((long) k << 2) | 2);
        }

        void bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        /** Avro binary string: zigzag length, then the UTF-8 bytes (what Avro's BinaryEncoder writes). */
        void avroString(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            zigzag(b.length);
            bytes(b);
        }

        /** Avro binary string of an id: {@link Codec#idString} without building the string for numeric ids. */
        void avroId(long num, String str) {
            if (str != null) {
                avroString(str);
                return;
            }
            if (num < 0) { // not produced by the parser (numeric ids are non-negative); keep it exact anyway
                avroString(Long.toString(num));
                return;
            }
            int digits = 1;
            for (long p = 10; digits < 19 && num >= p; p *= 10) digits++;
            zigzag(digits);
            ensure(digits);
            int end = pos + digits;
            long x = num;
            int i = end;
            while (x >= 100) { // two digits per division: ids are written 100 times per UserFeatures
                long q = x / 100;
                int r = (int) (x - q * 100);
                buf[--i] = DIGIT_ONES[r];
                buf[--i] = DIGIT_TENS[r];
                x = q;
            }
            if (x >= 10) {
                buf[--i] = DIGIT_ONES[(int) x];
                buf[--i] = DIGIT_TENS[(int) x];
            } else {
                buf[--i] = (byte) ('0' + x);
            }
            pos = end;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    static final class Reader {
        private final byte[] buf;
        private int pos;
        private final String what;

        Reader(byte[] buf, String what) {
            this.buf = buf;
            this.what = what;
        }

        IllegalArgumentException truncated() {
            return new IllegalArgumentException(
                    "truncated " + what + ": " + buf.length + " bytes, needed more at offset " + pos);
        }

        IllegalArgumentException corrupt(String detail) {
            return new IllegalArgumentException("corrupt " + what + " at offset " + pos + ": " + detail);
        }

        int u8() {
            if (pos >= buf.length) {
                throw truncated();
            }
            return buf[pos++] & 0xFF;
        }

        long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    if (shift == 63 && b > 1) {
                        throw corrupt("varint overflows 64 bits");
                    }
                    return v;
                }
            }
            throw corrupt("varint longer than 10 bytes");
        }

        /** A varint that must be a count in [0, max]. */
        int count(long max, String name) {
            long v = varlong();
            if (v < 0 || v > max) {
                throw corrupt(name + " " + Long.toUnsignedString(v) + " out of range [0, " + max + "]");
            }
            return (int) v;
        }

        /** A varlong that must be non-negative. */
        long nonNegative(String name) {
            long v = varlong();
            if (v < 0) {
                throw corrupt(name + " " + Long.toUnsignedString(v) + " is negative as a signed long");
            }
            return v;
        }

        long zigzag() {
            long v = varlong();
            return (v >>> 1) ^ -(v & 1);
        }

        long fixed64() {
            if (pos + 8 > buf.length) {
                pos = buf.length;
                throw truncated();
            }
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) (buf[pos++] & 0xFF) << (8 * i);
            }
            return v;
        }

        /** Reads an id into {@code out[0]} (numeric value or {@link #NOT_NUMERIC}), returning the string or null. */
        String id(long[] out, int maxLength) {
            long h = varlong();
            if ((h & 1) == 0) {
                if ((h >>> 1) >= NUMERIC_ID_LIMIT) {
                    throw corrupt("numeric id " + Long.toUnsignedString(h >>> 1) + " above 2^62");
                }
                out[0] = h >>> 1;
                return null;
            }
            long len = h >>> 1;
            if (len > (long) maxLength * 3) {
                throw corrupt("id of " + len + " bytes is longer than the policy allows");
            }
            if (pos + len > buf.length) {
                pos = buf.length;
                throw truncated();
            }
            String s = new String(buf, pos, (int) len, StandardCharsets.UTF_8);
            pos += (int) len;
            long num = numericId(s);
            out[0] = num;
            return num == NOT_NUMERIC ? s : null; // a canonical decimal written as text is normalised
        }

        /**
         * Reads a format-2 id field ({@link Writer#taggedId} or {@link Writer#ref}): returns the reference
         * {@code k ≥ 0}, or −1 with the id in {@code out[0]} (numeric value or {@link #NOT_NUMERIC}) and
         * {@code str[0]} (the string or null).
         */
        long taggedId(long[] out, String[] str, int maxLength) {
            long h = varlong();
            int tag = (int) (h & 3);
            long v = h >>> 2;
            switch (tag) {
                case 0 -> { // below 2^62 by construction
                    out[0] = v;
                    str[0] = null;
                    return -1;
                }
                case 2 -> {
                    return v;
                }
                case 1 -> {
                    str[0] = utf8(v, maxLength);
                    out[0] = numericId(str[0]);
                    if (out[0] != NOT_NUMERIC) {
                        str[0] = null; // a canonical decimal written as text is normalised
                    }
                    return -1;
                }
                default -> throw corrupt("unknown id tag 3");
            }
        }

        private String utf8(long len, int maxLength) {
            if (len > (long) maxLength * 3) {
                throw corrupt("id of " + len + " bytes is longer than the policy allows");
            }
            if (pos + len > buf.length) {
                pos = buf.length;
                throw truncated();
            }
            String s = new String(buf, pos, (int) len, StandardCharsets.UTF_8);
            pos += (int) len;
            return s;
        }

        void expectEnd() {
            if (pos != buf.length) {
                throw corrupt((buf.length - pos) + " trailing bytes");
            }
        }
    }
}
