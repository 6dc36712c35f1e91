package dev.tandem.datasets.replay;

/** The input as a whole is unusable (wrong header, strict mode and a bad line): the replay stops. */
public final class InvalidInputException extends Exception {
    public InvalidInputException(String message) {
        super(message);
    }
}
