package dev.tandem.model.train;

/** Training refused or stopped: no usable examples, or a loss that became NaN / infinite. */
public final class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }
}
