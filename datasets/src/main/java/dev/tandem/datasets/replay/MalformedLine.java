package dev.tandem.datasets.replay;

/** A line the replay could not use: where, why, and (shortened) what it said. */
public record MalformedLine(long lineNumber, String reason, String excerpt) {
    private static final int MAX_EXCERPT = 120;

    /** The line's bytes {@code [from, to)} of {@code buf}, shortened to an excerpt. */
    public static MalformedLine of(long lineNumber, String reason, byte[] buf, int from, int to) {
        String text = new String(buf, from, Math.min(to - from, MAX_EXCERPT), java.nio.charset.StandardCharsets.UTF_8);
        if (to - from > MAX_EXCERPT) text += "…";
        return new MalformedLine(lineNumber, reason, text);
    }

    @Override
    public String toString() {
        return "line " + lineNumber + ": " + reason + (excerpt.isEmpty() ? "" : " [" + excerpt + "]");
    }
}
