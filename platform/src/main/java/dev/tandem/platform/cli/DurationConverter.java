package dev.tandem.platform.cli;

import dev.tandem.schemas.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Flags take the durations of configuration files ({@link Durations}), but must be positive and carry a unit. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (" + Durations.EXAMPLES + ")");
        }
        if (d.isNegative() || d.isZero()) throw new CommandLine.TypeConversionException("'" + value + "' must be a positive duration");
        return d;
    }
}
