package dev.tandem.features.validation;

import dev.tandem.schemas.topics.DeadLetterReason;
import java.util.Objects;

/** A readable event that breaks a validation rule; its class and message go to the dead-letter headers. */
public final class InvalidEventException extends RuntimeException {
    private final DeadLetterReason reason;

    public InvalidEventException(DeadLetterReason reason, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
