package dev.tandem.bench.scoring;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringConfig.CatalogState;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --catalog-state}, for the scenarios whose scoring jobs restore or checkpoint with a catalog. */
public final class CatalogStateOption {
    @Option(
            names = "--catalog-state",
            paramLabel = "topic|broadcast",
            defaultValue = "topic",
            converter = Converter.class,
            description = "Where the scoring job keeps its catalog across restarts: topic (out of checkpoints, read"
                    + " again on restore) or broadcast (in every checkpoint) (default: ${DEFAULT-VALUE}).")
    CatalogState value;

    /** As written in the configuration: {@code topic} or {@code broadcast}. */
    public String value() {
        return value.key();
    }

    /** The scoring config setting it stands for. */
    public Map<String, String> settings() {
        return Map.of(ScoringConfig.CATALOG_STATE, value.key());
    }

    /** Refused at parsing, in one line, rather than once the scenario has trained its model. */
    static final class Converter implements ITypeConverter<CatalogState> {
        @Override
        public CatalogState convert(String s) {
            for (CatalogState c : CatalogState.values()) {
                if (c.key().equals(s.toLowerCase(Locale.ROOT))) return c;
            }
            throw new TypeConversionException("must be topic or broadcast, was '" + s + "'");
        }
    }
}
