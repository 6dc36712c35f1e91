package dev.tandem.datasets.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads lines as byte ranges of one reusable buffer: no String, no char decoding per line.
 * Replaying hundreds of thousands of rows per second makes {@code BufferedReader.readLine}'s
 * per-line String and char[] the largest allocation; parsers here pick fields out of the bytes
 * and build only the Strings the event needs.
 *
 * <p>Accepts {@code \n} and {@code \r\n} endings, strips a UTF-8 byte order mark, and tells
 * whether the last line ended with a newline (a file cut off mid-write doesn't).
 */
public final class LineReader implements Closeable {
    private static final int DEFAULT_BUFFER = 1 << 20;

    private final InputStream in;
    private byte[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    private long consumed;
    private long lineNumber;

    private int lineStart;
    private int lineEnd;
    private boolean terminated;

    public LineReader(InputStream in) {
        this(in, DEFAULT_BUFFER);
    }

    LineReader(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[Math.max(16, bufferSize)];
    }

    /** Advances to the next line; false at the end of the input. */
    public boolean next() throws IOException {
        if (lineNumber == 0 && !eof && limit == 0) {
            fill();
            if (limit - pos >= 3 && (buf[0] & 0xFF) == 0xEF && (buf[1] & 0xFF) == 0xBB && (buf[2] & 0xFF) == 0xBF) {
                pos = 3;
                consumed = 3;
            }
        }
        int scan = pos;
        while (true) {
            int nl = indexOfNewline(scan, limit);
            if (nl >= 0) {
                setLine(pos, nl, true);
                consumed += nl + 1 - pos;
                pos = nl + 1;
                return true;
            }
            if (eof) {
                if (pos >= limit) return false;
                setLine(pos, limit, false);
                consumed += limit - pos;
                pos = limit;
                return true;
            }
            scan = limit - pos;
            compactOrGrow();
            fill();
            scan = pos + scan;
        }
    }

    private void setLine(int start, int end, boolean newline) {
        int e = end;
        if (newline && e > start && buf[e - 1] == '\r') e--;
        lineStart = start;
        lineEnd = e;
        terminated = newline;
        lineNumber++;
    }

    private int indexOfNewline(int from, int to) {
        byte[] b = buf;
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') return i;
        }
        return -1;
    }

    private void compactOrGrow() {
        int remaining = limit - pos;
        if (pos == 0 && remaining == buf.length) {
            byte[] bigger = new byte[buf.length * 2];
            System.arraycopy(buf, 0, bigger, 0, remaining);
            buf = bigger;
        } else {
            System.arraycopy(buf, pos, buf, 0, remaining);
        }
        pos = 0;
        limit = remaining;
    }

    private void fill() throws IOException {
        while (limit < buf.length) {
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                eof = true;
                return;
            }
            limit += n;
            if (n > 0) return;
        }
    }

    public byte[] buffer() {
        return buf;
    }

    public int start() {
        return lineStart;
    }

    public int end() {
        return lineEnd;
    }

    /** 1-based number of the current line. */
    public long lineNumber() {
        return lineNumber;
    }

    /** False only for a last line without a trailing newline. */
    public boolean terminated() {
        return terminated;
    }

    /** Bytes of the input consumed up to the end of the current line. */
    public long bytesConsumed() {
        return consumed;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
