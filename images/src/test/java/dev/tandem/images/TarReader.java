package dev.tandem.images;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a tar stream entry by entry: ustar headers, with the PAX ({@code x}) and GNU long-name ({@code L}) headers
 * Jib writes for long paths. Enough for image tars and their layers; no sparse files, no global PAX headers' effect.
 */
final class TarReader {
    /** One entry; {@code path} has no leading {@code /} or {@code ./}. */
    record Entry(String path, char type, int mode, long size, String linkTarget) {
        boolean isFile() {
            return type == '0' || type == '\0';
        }

        boolean isDirectory() {
            return type == '5';
        }

        boolean isSymlink() {
            return type == '2';
        }

        boolean isExecutable() {
            return (mode & 0111) == 0111;
        }
    }

    private final InputStream in;
    private long remaining;
    private long padding;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end; its contents are readable with {@link #content()} until the next call. */
    Entry next() throws IOException {
        skipRest();
        String longName = null;
        String paxPath = null;
        String paxLink = null;
        while (true) {
            byte[] h = in.readNBytes(512);
            if (h.length < 512 || isZero(h)) return null;
            char type = (char) h[156];
            long size = octal(h, 124, 12);
            remaining = size;
            padding = (512 - size % 512) % 512;
            if (type == 'L') {
                longName = trimNul(new String(content(), StandardCharsets.UTF_8));
                continue;
            }
            if (type == 'x') {
                for (String record : pax(content())) {
                    if (record.startsWith("path=")) paxPath = record.substring(5);
                    if (record.startsWith("linkpath=")) paxLink = record.substring(9);
                }
                continue;
            }
            if (type == 'g') {
                content();
                continue;
            }
            String name = string(h, 0, 100);
            String prefix = string(h, 345, 155);
            if (!prefix.isEmpty() && "ustar".equals(string(h, 257, 5))) name = prefix + "/" + name;
            if (longName != null) name = longName;
            if (paxPath != null) name = paxPath;
            String link = paxLink != null ? paxLink : string(h, 157, 100);
            return new Entry(normalize(name), type, (int) octal(h, 100, 8), size, link);
        }
    }

    /** The current entry's contents (read once). */
    byte[] content() throws IOException {
        if (remaining > Integer.MAX_VALUE) throw new IOException("entry too large to hold: " + remaining);
        byte[] b = in.readNBytes((int) remaining);
        if (b.length < remaining) throw new EOFException("tar entry cut short");
        remaining = 0;
        skipExactly(padding);
        padding = 0;
        return b;
    }

    /** The current entry's contents as a stream; read it fully (or not at all) before {@link #next()}. */
    InputStream stream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                if (remaining == 0) return -1;
                int c = in.read();
                if (c < 0) throw new EOFException("tar entry cut short");
                remaining--;
                return c;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) return -1;
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) throw new EOFException("tar entry cut short");
                remaining -= n;
                return n;
            }
        };
    }

    private void skipRest() throws IOException {
        skipExactly(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private void skipExactly(long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new EOFException("tar cut short");
                s = 1;
            }
            n -= s;
        }
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        while (n.startsWith("/")) n = n.substring(1);
        return n;
    }

    private static java.util.List<String> pax(byte[] data) {
        java.util.List<String> records = new java.util.ArrayList<>();
        int i = 0;
        while (i < data.length) {
            int space = indexOf(data, (byte) ' ', i);
            if (space < 0) break;
            int len = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
            records.add(new String(data, space + 1, len - (space - i) - 2, StandardCharsets.UTF_8));
            i += len;
        }
        return records;
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == v) return i;
        return -1;
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) if (b != 0) return false;
        return true;
    }

    private static String string(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static String trimNul(String s) {
        int z = s.indexOf('\0');
        return z < 0 ? s : s.substring(0, z);
    }

    private static long octal(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) { // base-256, for sizes over 8 GiB
            long v = 0;
            for (int i = off + 1; i < off + len; i++) v = (v << 8) | (h[i] & 0xff);
            return v;
        }
        String s = string(h, off, len).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
