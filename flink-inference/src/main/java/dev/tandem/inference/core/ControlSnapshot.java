package dev.tandem.inference.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The model lifecycle's state as checkpointed (one JSON string in the batcher's broadcast state):
 * the active version, the versions a ROLLBACK goes back to (newest first), the shadow, every other
 * loaded (or loading) version, and the commands still waiting for a load. A restore loads these
 * again, so the job comes back serving the same model.
 */
public record ControlSnapshot(
        ModelRef active, List<ModelRef> previous, ModelRef shadow, List<ModelRef> loaded, List<ModelCommand> pending) {
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ControlSnapshot {
        previous = previous == null ? List.of() : List.copyOf(previous);
        loaded = loaded == null ? List.of() : List.copyOf(loaded);
        pending = pending == null ? List.of() : List.copyOf(pending);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ControlSnapshot fromJson(String json) {
        try {
            return JSON.readValue(json, ControlSnapshot.class);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable model-control state: " + e.getMessage(), e);
        }
    }
}
