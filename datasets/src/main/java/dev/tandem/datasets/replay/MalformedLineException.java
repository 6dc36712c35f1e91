package dev.tandem.datasets.replay;

/**
 * Why one line could not become an event. Thrown per bad line and caught by the replayer, so
 * it skips the stack trace: a file with many bad lines must not cost a stack walk each.
 */
public final class MalformedLineException extends Exception {
    public MalformedLineException(String reason) {
        super(reason, null, false, false);
    }
}
