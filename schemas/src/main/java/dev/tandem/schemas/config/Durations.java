package dev.tandem.schemas.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of configuration files, environment variables and command-line flags:
 * {@code 5ms}, {@code 1.5s}, {@code 2m}, {@code 1h}, {@code 30d}, or ISO-8601 ({@code PT30S}).
 */
public final class Durations {
    public static final String EXAMPLES = "e.g. 250ms, 1.5s, 5m, 1h, 30d, PT30S";

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
    private static final Pattern BARE = Pattern.compile("\\d+");

    private Durations() {}

    /** Parses a duration with a unit or in ISO-8601; a bare number is refused (is it seconds or ms?). */
    public static Duration parse(String text) {
        return parse(text, false);
    }

    /**
     * As {@link #parse(String)}; with {@code bareMillis} a bare number means milliseconds, which
     * properties files have accepted since the first release.
     */
    public static Duration parse(String text, boolean bareMillis) {
        if (text == null) throw new IllegalArgumentException("not a duration: null (" + EXAMPLES + ")");
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            try {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: '" + text + "' (" + EXAMPLES + ")");
            }
        }
        if (bareMillis && BARE.matcher(t).matches()) return Duration.ofMillis(Long.parseLong(t));
        Matcher m = WITH_UNIT.matcher(t);
        if (!m.matches()) throw new IllegalArgumentException("not a duration: '" + text + "' (" + EXAMPLES + ")");
        BigDecimal n = new BigDecimal(m.group(1));
        long unitMillis = switch (m.group(2)) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            default -> 86_400_000L;
        };
        try {
            return Duration.ofMillis(n.multiply(BigDecimal.valueOf(unitMillis))
                    .setScale(0, java.math.RoundingMode.HALF_UP)
                    .longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration out of range: '" + text + "'");
        }
    }

    /** The shortest exact form {@link #parse} reads back: {@code 30d}, {@code 5m}, {@code 1500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 86_400_000L == 0) return ms / 86_400_000L + "d";
        if (ms != 0 && ms % 3_600_000L == 0) return ms / 3_600_000L + "h";
        if (ms != 0 && ms % 60_000L == 0) return ms / 60_000L + "m";
        if (ms != 0 && ms % 1_000L == 0) return ms / 1_000L + "s";
        return ms + "ms";
    }
}
