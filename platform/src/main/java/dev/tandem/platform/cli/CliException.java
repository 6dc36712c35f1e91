package dev.tandem.platform.cli;

/**
 * A failure the user can act on (missing broker, bad input file in strict mode): printed as one
 * line, without "unexpected error" and without a stack trace.
 */
public class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(String message) {
        this(message, ExitCodes.FAILURE, null);
    }

    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
