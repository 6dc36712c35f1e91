package dev.tandem.platform.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/** Accepts {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} and ISO-8601 ({@code PT30S}). */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (v.startsWith("pt") || v.startsWith("p")) d = Duration.parse(v.toUpperCase(Locale.ROOT));
            else if (v.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            else if (v.endsWith("s")) d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            else if (v.endsWith("m")) d = Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60));
            else if (v.endsWith("h")) d = Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 3600));
            else throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 2m, 1h, PT30S)");
            if (d.isNegative() || d.isZero()) throw new CommandLine.TypeConversionException("'" + value + "' must be a positive duration");
            return d;
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 2m, 1h, PT30S)");
        }
    }
}
