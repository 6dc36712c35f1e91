package dev.tandem.platform.cli;

import dev.tandem.bench.BenchCommand;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.testkit.UnreachableException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code tandem}: the platform's command line. Usage errors print one line and exit 2;
 * failures the user can act on print one line and exit 1; anything unexpected prints one line
 * and a hint to rerun with {@code --verbose}, which adds the stack trace and our INFO logs.
 */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description =
                "Tandem real-time recommendation platform: dev cluster, synthetic data, replay, forget a user, features app, model training and evaluation, scoring, Kafka Connect worker, recommendations API, monitoring, demo, benchmarks.",
        subcommands = {
            DevClusterCommand.class,
            GenerateCommand.class,
            ReplayCommand.class,
            ForgetCommand.class,
            FeaturesCommand.class,
            TrainCommand.class,
            EvaluateCommand.class,
            ScoreCommand.class,
            ConnectCommand.class,
            ServeCommand.class,
            MonitorCommand.class,
            DemoCommand.class,
            ChaosCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TandemCli implements Runnable {
    @Spec
    CommandSpec spec;

    private static volatile boolean verbose;

    @Option(
            names = {"-v", "--verbose"},
            scope = ScopeType.INHERIT,
            description = "Log our own progress (INFO) and print stack traces of unexpected errors.")
    void setVerbose(boolean on) {
        verbose = on;
        Logging.verbose(on);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    public static CommandLine commandLine() {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    /** The configured command line, writing to the given streams (tests capture them). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        verbose = false;
        CommandLine cl = new CommandLine(new TandemCli());
        // Before the settings below: picocli applies them only to subcommands that already exist.
        BenchCommand.registerScenarios(cl.getSubcommands().get("bench"));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(TandemCli::onUsageError);
        cl.setExecutionExceptionHandler(TandemCli::onFailure);
        return cl;
    }

    private static int onUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String message = ex.getMessage() == null
                ? ex.toString()
                : ex.getMessage().replace('\n', ' ').trim();
        err.println("tandem: " + message + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int onFailure(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (verbose) ex.printStackTrace(err);
        if (ex instanceof CliException c) {
            err.println("tandem: " + oneLine(c.getMessage()));
            err.flush();
            return c.exitCode();
        }
        if (ex instanceof UnreachableException || ex instanceof SendErrors.SendFailedException) {
            err.println("tandem: " + oneLine(ex.getMessage()));
            err.flush();
            return ExitCodes.FAILURE;
        }
        String message = ex.getMessage() == null
                ? ex.getClass().getSimpleName()
                : ex.getClass().getSimpleName() + ": " + ex.getMessage();
        err.println(
                "tandem: unexpected error: " + oneLine(message) + (verbose ? "" : " (run with --verbose for details)"));
        err.flush();
        return ExitCodes.FAILURE;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        String t = s.replaceAll("\\s*\\R\\s*", " ").trim();
        return t.length() > 400 ? t.substring(0, 400) + "…" : t;
    }

    static boolean verbose() {
        return verbose;
    }
}
