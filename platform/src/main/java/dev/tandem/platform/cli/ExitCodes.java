package dev.tandem.platform.cli;

/** Exit codes of {@code tandem}: 0 ok, 1 the command failed, 2 bad usage (picocli's convention). */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private ExitCodes() {}
}
