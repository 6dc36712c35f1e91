package dev.tandem.platform.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A long-running {@code tandem} command in-process, on its own thread: its output can be read while it runs, and
 * {@link #stop()} delivers what Ctrl-C would.
 */
final class BackgroundCli {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private BackgroundCli(String... args) {
        Thread t = new Thread(
                () -> {
                    try {
                        exit.complete(TandemCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                                .execute(args));
                    } catch (Throwable e) {
                        exit.completeExceptionally(e);
                    }
                },
                "tandem-" + args[0]);
        t.setDaemon(true);
        t.start();
    }

    static BackgroundCli start(String... args) {
        return new BackgroundCli(args);
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    boolean exited() {
        return exit.isDone();
    }

    /** Ctrl-C, then the exit code. */
    int stop(Duration timeout) throws Exception {
        Signals.simulate("SIGINT");
        return exitCode(timeout);
    }

    int exitCode(Duration timeout) throws Exception {
        return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "stdout:\n" + out + "\nstderr:\n" + err;
    }
}
