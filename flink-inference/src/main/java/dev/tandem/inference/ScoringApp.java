package dev.tandem.inference;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.schemas.config.ConfigException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The scoring app's main class (the job jar's {@code Main-Class}, the entry class {@code flink run} and a
 * FlinkDeployment name): reads the configuration ({@link ScoringConfig}: defaults, {@code --config FILE},
 * {@code TANDEM_*} variables, then {@code --set KEY=VALUE}), prints it with secrets masked, and hands over to
 * {@link ScoringRunner}, which builds the Kafka sources and sinks and runs the job: in the Flink cluster that
 * runs this main ({@code flink run}, a jar run through the REST API, application mode), or in a local
 * MiniCluster when started with plain {@code java}.
 *
 * <p>This class loads no Flink type (only after the arguments and the configuration are good is
 * {@link ScoringRunner} touched), so {@code --help} and a bad argument are answered with the job jar alone on
 * the class path, without a Flink distribution. Bad arguments or settings: one line on stderr, exit code 2;
 * a job that cannot start or fails: one line, exit code 1. Inside a Flink client (where exiting would take the
 * client or the JobManager with it) the same line is thrown instead of exiting.
 */
@Command(
        name = "ScoringApp",
        usageHelpWidth = 120,
        description = {
            "Runs the Tandem scoring job: 'scoring-requests' joined with 'user-features' and 'items', micro-batched through",
            "a TensorFlow SavedModel, to 'predictions' exactly once or at least once (scoring.delivery; malformed records and",
            "requests past scoring.request.deadline to 'dead-letters'); follows 'model-control'.",
            "Resumes from the newest completed checkpoint in scoring.checkpoint.dir, if there is one.",
            "In a Flink cluster: flink run [-s SAVEPOINT] tandem-flink-inference-<version>-job.jar [OPTIONS]; alone, with plain java,",
            "it runs in a local MiniCluster (Flink's lib/ jars on the class path) until SIGTERM or Ctrl-C.",
            ""
        })
public final class ScoringApp {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings (keys below).")
    Path config;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "A setting that wins over the file and the environment (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--from-savepoint",
            paramLabel = "PATH",
            description =
                    "Start from this savepoint or retained checkpoint (a chk-N directory) instead of the newest completed checkpoint in "
                            + "scoring.checkpoint.dir.")
    String fromSavepoint;

    @Option(
            names = "--replay",
            description = "Without a checkpoint to resume from, read 'scoring-requests' from the earliest offset "
                    + "(same as --set " + ScoringConfig.REQUESTS_STARTING_OFFSETS + "=earliest).")
    boolean replay;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    /** A reason to stop before or while running, with the exit code it stands for. */
    static final class Failure extends Exception {
        final int code;

        Failure(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    public static void main(String[] args) {
        try {
            run(args, System.out);
        } catch (Failure f) {
            System.err.println("ScoringApp: " + f.getMessage());
            System.err.flush();
            if (insideFlinkClient()) throw new IllegalArgumentException(f.getMessage());
            System.exit(f.code);
        }
    }

    /** Parses, reads the configuration, prints it and runs the job; returns when the job has ended (or was handed to a cluster). */
    static void run(String[] args, PrintStream out) throws Failure {
        ScoringApp app = new ScoringApp();
        CommandLine cl = commandLine(app);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new Failure(USAGE, e.getMessage() + " (see --help)");
        }
        if (app.help) {
            PrintWriter w = new PrintWriter(out, true);
            cl.usage(w);
            w.flush();
            return;
        }
        ScoringConfig config = app.config();
        out.print(config.describe());
        out.flush();
        try {
            ScoringRunner.run(config, app.fromSavepoint, out);
        } catch (ConfigException e) {
            throw new Failure(USAGE, e.getMessage());
        } catch (NoClassDefFoundError e) {
            throw new Failure(
                    FAILURE,
                    "Flink is not on the class path (" + e.getMessage().replace('/', '.')
                            + "): run the job jar with `flink run`, or with the jars of Flink's lib/ on the class path");
        } catch (Exception e) {
            throw new Failure(FAILURE, "the scoring job failed: " + rootCause(e));
        }
    }

    static CommandLine commandLine(ScoringApp app) {
        CommandLine cl = new CommandLine(app);
        StringBuilder keys = new StringBuilder();
        keys.append("%nSettings (file keys; each also TANDEM_<KEY> in the environment, e.g. ")
                .append(ScoringConfig.MAX_BATCH_ROWS)
                .append(" is TANDEM_SCORING_MAX_BATCH_ROWS), with their defaults:%n");
        ScoringConfig.DEFAULTS.forEach(
                (k, v) -> keys.append(String.format("  %-36s %s%n", k, v.isEmpty() ? "(none)" : v)));
        keys.append(
                        "  kafka.*                              every Kafka client of the job, without the prefix (security.protocol, sasl.*, ssl.*)%n")
                .append("  schema.registry.*, basic.auth.*      the schema registry client (credentials, TLS)%n")
                .append(
                        "  flink.*                              the job's Flink configuration, without the prefix (e.g. flink.restart-strategy.type)%n")
                .append("%n")
                .append(ScoringConfig.DELIVERY)
                .append(
                        ": exactly-once (Kafka transactions committed with each checkpoint: read_committed readers see a%n"
                                + "  prediction up to a checkpoint interval late, never twice) or at-least-once (no transactions: visible in%n"
                                + "  milliseconds; after a failure a request may be predicted twice, same request id). Dead letters and%n"
                                + "  shadow predictions follow it.%n")
                .append(ScoringConfig.REQUEST_DEADLINE)
                .append(
                        ": a request older than this (scoring time - request_time) when its turn to be scored comes goes to%n"
                                + "  dead-letters (reason 'deadline') instead, e.g. 500ms or 2s; empty or 0: no deadline.%n")
                .append("%nExit codes: 0 ok, 1 the job failed or could not start, 2 bad arguments or settings.%n");
        cl.getCommandSpec().usageMessage().footer(keys.toString());
        return cl;
    }

    /** The configuration: defaults, the file, the environment, then {@code --set} and {@code --replay}. */
    ScoringConfig config() throws Failure {
        if (config != null && !Files.isRegularFile(config))
            throw new Failure(USAGE, "--config: no such file: " + config);
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (replay) overrides.put(ScoringConfig.REQUESTS_STARTING_OFFSETS, ScoringConfig.RequestOffsets.EARLIEST.key());
        ScoringConfig c;
        try {
            c = ScoringConfig.load(config, System.getenv(), overrides);
        } catch (ConfigException e) {
            throw new Failure(USAGE, e.getMessage());
        }
        if (c.modelDir() == null) {
            throw new Failure(
                    USAGE,
                    ScoringConfig.MODEL_DIR
                            + " is not set: the exported model version to serve (<root>/<name>/<version>)");
        }
        return c;
    }

    static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * True when a Flink client runs this main ({@code flink run}, a REST jar run: it sets its user-code class
     * loader as the context class loader), where {@code System.exit} would end the client or the JobManager.
     * By name, so this class still loads without Flink.
     */
    static boolean insideFlinkClient() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null && cl.getClass().getName().startsWith("org.apache.flink.");
    }
}
