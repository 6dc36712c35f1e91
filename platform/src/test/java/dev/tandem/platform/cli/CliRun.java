package dev.tandem.platform.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code tandem} in-process with captured stdout and stderr. */
public record CliRun(int exitCode, String out, String err) {
    public static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TandemCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    public String[] errLines() {
        return err.isBlank() ? new String[0] : err.strip().split("\\R");
    }
}
