package dev.tandem.schemas.registry;

import java.util.List;

/** The answer of a compatibility test; {@code messages} explain each incompatibility. */
public record CompatibilityResult(boolean compatible, List<String> messages) {
    public CompatibilityResult {
        messages = List.copyOf(messages);
    }

    public static CompatibilityResult ok() {
        return new CompatibilityResult(true, List.of());
    }
}
