package dev.tandem.datasets.replay;

import java.nio.charset.StandardCharsets;

/**
 * Splits one CSV line (as bytes) into field ranges. Handles RFC 4180 quoting ({@code "a,b"},
 * {@code ""} for a quote) because exports of the REES46 data sometimes quote text fields; plain
 * fields, the common case, cost one scan and no copies.
 */
final class CsvFields {
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private boolean[] escaped = new boolean[16];
    private int count;
    private byte[] buf;

    /**
     * @return false for an unterminated quoted field
     */
    boolean split(byte[] b, int from, int to) {
        buf = b;
        count = 0;
        int i = from;
        while (true) {
            ensure(count + 1);
            if (i < to && b[i] == '"') {
                int start = i + 1;
                boolean esc = false;
                int j = start;
                while (true) {
                    if (j >= to) return false;
                    if (b[j] == '"') {
                        if (j + 1 < to && b[j + 1] == '"') {
                            esc = true;
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                starts[count] = start;
                ends[count] = j;
                escaped[count] = esc;
                count++;
                i = j + 1;
                if (i >= to) return true;
                if (b[i] != ',') return false;
                i++;
            } else {
                int j = i;
                while (j < to && b[j] != ',') j++;
                starts[count] = i;
                ends[count] = j;
                escaped[count] = false;
                count++;
                if (j >= to) return true;
                i = j + 1;
            }
        }
    }

    private void ensure(int n) {
        if (n > starts.length) {
            starts = java.util.Arrays.copyOf(starts, n * 2);
            ends = java.util.Arrays.copyOf(ends, n * 2);
            escaped = java.util.Arrays.copyOf(escaped, n * 2);
        }
    }

    int count() {
        return count;
    }

    int start(int i) {
        return starts[i];
    }

    int end(int i) {
        return ends[i];
    }

    boolean isEmpty(int i) {
        return starts[i] == ends[i];
    }

    String string(int i) {
        String s = new String(buf, starts[i], ends[i] - starts[i], StandardCharsets.UTF_8);
        return escaped[i] ? s.replace("\"\"", "\"") : s;
    }

    /** For fields already checked to be ASCII digits: Latin-1 decoding is a plain copy. */
    String ascii(int i) {
        return new String(buf, starts[i], ends[i] - starts[i], StandardCharsets.ISO_8859_1);
    }

    boolean equalsAscii(int i, String s) {
        int len = ends[i] - starts[i];
        if (len != s.length()) return false;
        for (int k = 0; k < len; k++) if (buf[starts[i] + k] != s.charAt(k)) return false;
        return true;
    }

    /** Non-empty and only ASCII digits (ids: any length, never parsed). */
    boolean isDigits(int i) {
        int len = ends[i] - starts[i];
        if (len == 0 || len > 64) return false;
        for (int k = starts[i]; k < ends[i]; k++) {
            byte c = buf[k];
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /** Same bytes as {@code other} in field {@code i}: lets a parser reuse the previous line's String. */
    boolean sameAs(int i, String other) {
        return other != null && equalsAscii(i, other);
    }

    /** Non-empty, only ASCII digits, at most 18 of them (always fits a long). */
    boolean isUnsignedNumber(int i) {
        int len = ends[i] - starts[i];
        if (len == 0 || len > 18) return false;
        for (int k = starts[i]; k < ends[i]; k++) {
            byte c = buf[k];
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    long unsignedLong(int i) {
        long v = 0;
        for (int k = starts[i]; k < ends[i]; k++) v = v * 10 + (buf[k] - '0');
        return v;
    }

    /** The field, shortened for an error message. */
    String quote(int i) {
        String s = string(i);
        return "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
    }
}
