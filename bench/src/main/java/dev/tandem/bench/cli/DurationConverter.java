package dev.tandem.bench.cli;

import dev.tandem.schemas.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Flags take the durations of configuration files ({@link Durations}), but must be positive and carry a unit.
 * Here, not in platform, because the bench's scenarios take durations too and bench sits below platform: the
 * lowest module with picocli that both see.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration (" + Durations.EXAMPLES + ")");
        }
        if (d.isNegative() || d.isZero())
            throw new CommandLine.TypeConversionException("'" + value + "' must be a positive duration");
        return d;
    }
}
