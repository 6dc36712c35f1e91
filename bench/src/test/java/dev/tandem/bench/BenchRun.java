package dev.tandem.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs {@code tandem bench …} in-process with captured stdout and stderr, the command line set up as the tandem CLI
 * sets it up for its scenarios (case-insensitive enum values; a usage error is one line on stderr and exit code
 * {@link #USAGE}), without the platform the CLI lives in.
 */
public record BenchRun(int exitCode, String out, String err) {
    public static final int USAGE = 2;

    /** @param args what follows {@code tandem bench}: the scenario and its options */
    public static BenchRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchCommand());
        BenchCommand.registerScenarios(cl);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine()
                    .getErr()
                    .println("tandem: " + ex.getMessage().replace('\n', ' ').trim());
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            ex.printStackTrace(c.getErr());
            return 1;
        });
        int code = cl.execute(args);
        return new BenchRun(code, out.toString(), err.toString());
    }

    public String[] errLines() {
        return err.isBlank() ? new String[0] : err.strip().split("\\R");
    }
}
