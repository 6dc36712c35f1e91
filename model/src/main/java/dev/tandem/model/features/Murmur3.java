package dev.tandem.model.features;

/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of a string, computed without allocating (the chars are
 * encoded to UTF-8 on the fly). Matches the reference implementation (and Guava's
 * {@code murmur3_32_fixed}) on the UTF-8 bytes, so the hash is stable across JVMs, versions and
 * languages.
 */
public final class Murmur3 {
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private Murmur3() {}

    /** murmur3_x86_32(utf8(s), seed). Unpaired surrogates encode as '?' (like {@code String.getBytes(UTF_8)}). */
    public static int hashUtf8(CharSequence s, int seed) {
        int h = seed;
        int buf = 0; // pending bytes, little-endian
        int nBuf = 0; // how many pending bytes (0..3)
        int total = 0; // total bytes
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int cp;
            if (c < 0x80) {
                // fast path for ASCII
                buf |= c << (nBuf << 3);
                total++;
                if (++nBuf == 4) {
                    h = mixH(h, buf);
                    buf = 0;
                    nBuf = 0;
                }
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                cp = Character.toCodePoint(c, s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                cp = '?';
            } else {
                cp = c;
            }
            int len;
            int b0;
            int b1 = 0;
            int b2 = 0;
            int b3 = 0;
            if (cp < 0x80) {
                len = 1;
                b0 = cp;
            } else if (cp < 0x800) {
                len = 2;
                b0 = 0xC0 | (cp >>> 6);
                b1 = 0x80 | (cp & 0x3F);
            } else if (cp < 0x10000) {
                len = 3;
                b0 = 0xE0 | (cp >>> 12);
                b1 = 0x80 | ((cp >>> 6) & 0x3F);
                b2 = 0x80 | (cp & 0x3F);
            } else {
                len = 4;
                b0 = 0xF0 | (cp >>> 18);
                b1 = 0x80 | ((cp >>> 12) & 0x3F);
                b2 = 0x80 | ((cp >>> 6) & 0x3F);
                b3 = 0x80 | (cp & 0x3F);
            }
            for (int k = 0; k < len; k++) {
                int b = k == 0 ? b0 : k == 1 ? b1 : k == 2 ? b2 : b3;
                buf |= (b & 0xFF) << (nBuf << 3);
                total++;
                if (++nBuf == 4) {
                    h = mixH(h, buf);
                    buf = 0;
                    nBuf = 0;
                }
            }
        }
        if (nBuf > 0) {
            h ^= mixK(buf);
        }
        h ^= total;
        return fmix(h);
    }

    /** murmur3_x86_32 of a byte array (the reference, used by the tests). */
    public static int hashBytes(byte[] data, int seed) {
        int h = seed;
        int i = 0;
        for (; i + 4 <= data.length; i += 4) {
            int k = (data[i] & 0xFF)
                    | (data[i + 1] & 0xFF) << 8
                    | (data[i + 2] & 0xFF) << 16
                    | (data[i + 3] & 0xFF) << 24;
            h = mixH(h, k);
        }
        int k = 0;
        for (int j = data.length - i - 1; j >= 0; j--) {
            k = (k << 8) | (data[i + j] & 0xFF);
        }
        if (data.length - i > 0) {
            h ^= mixK(k);
        }
        h ^= data.length;
        return fmix(h);
    }

    private static int mixK(int k) {
        k *= C1;
        k = Integer.rotateLeft(k, 15);
        return k * C2;
    }

    private static int mixH(int h, int k) {
        h ^= mixK(k);
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** A bucket in [1, buckets] for a real id; 0 stays reserved for padding / missing. */
    public static int bucket(CharSequence id, int seed, int buckets) {
        return 1 + Integer.remainderUnsigned(hashUtf8(id, seed), buckets);
    }
}
