package dev.tandem.platform.cli;

import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.ModelSelection;
import dev.tandem.model.train.Reports;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.TrainingException;
import dev.tandem.model.zoo.ModelConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem train}: a log file or events topic → examples → a funnel model in {@code <out>/<name>/<version>/}. */
@Command(
        name = "train",
        description = {
            "Trains a multi-task funnel model (VIEW → CART → PURCHASE) on a log file or an events topic and exports it as a SavedModel with its feature spec and model card.",
            "Prints per-stage validation AUC (95%% user-bootstrap interval), logloss, ECE and positives next to the popularity and logistic-regression baselines"
                    + " (fit and tuned under the same protocol; the ceiling with --truth)."
        })
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    // No mixinStandardHelpOptions: its --version would clash with the model version option.
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "FILE|kafka:TOPIC",
            description =
                    "The log: a Taobao or REES46 CSV, or generated JSON lines; or kafka:TOPIC, the Avro UserEvents of a topic"
                            + " (e.g. kafka:events, read with --bootstrap/--registry from the earliest offset up to the end offsets at start; bad records are counted).")
    String data;

    @Option(
            names = "--format",
            paramLabel = "taobao|rees46|events",
            description = "Format of a --data file (as tandem replay / tandem generate); not for a topic.")
    ModelData.Format format;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--strict",
            description = "Fail (exit 1) at the first malformed line of a --data file; by default malformed lines are"
                    + " reported with their line numbers and skipped, as tandem replay does.")
    boolean strict;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "Model config JSON (model/README.md); absent fields take the defaults. Default: all defaults.")
    Path config;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Models root: the model goes to DIR/<name>/<version>/.")
    Path out;

    @Option(names = "--name", description = "Model name (default: the config's name).")
    String name;

    @Option(names = "--version", description = "Model version (default: a UTC timestamp).")
    String version;

    @Option(
            names = "--horizon",
            paramLabel = "DURATION",
            defaultValue = "24h",
            converter = DurationConverter.class,
            description = "How long after a view a cart or purchase counts (default: ${DEFAULT-VALUE}).")
    Duration horizon;

    @Option(
            names = "--truth",
            paramLabel = "FILE",
            description = "Ground truth of a generated file (tandem generate --truth): adds the ceiling AUC.")
    Path truth;

    static final Duration DEFAULT_BUDGET = Duration.ofMinutes(10);

    @Option(
            names = "--search",
            description = "Try a small grid on the selection slice (the linear part, the configured model, then one"
                    + " switch at a time: item rates, wide part, hashed crosses, task gating, DTRN task sequences,"
                    + " AutoInt field attention, ID-free item tower, architectures, sequence encoders, half and double"
                    + " size, the next-category task) within --budget, and keep the best; the card lists every"
                    + " candidate. Without it, the configured model and its linear part.")
    boolean search;

    @Option(
            names = "--budget",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "With --search: no candidate starts once this is spent, nor one that would not fit if it"
                    + " took as long as the slowest so far (default: 10m).")
    Duration budget;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (budget != null && !search) {
            throw new CommandLine.ParameterException(cl, "--budget applies to --search only");
        }
        if (budget != null && (budget.isZero() || budget.isNegative())) {
            throw new CommandLine.ParameterException(cl, "--budget must be positive, was " + budget);
        }
        ModelData.DataSource source = ModelData.DataSource.parse(cl, data);
        source.check(cl, format);
        ModelData.requireFile(cl, config, "config file");
        ModelData.requireFile(cl, truth, "truth file");
        ModelConfig mc = readConfig(cl, config);
        if (name != null) {
            try {
                mc = mc.withName(name);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--name: " + e.getMessage());
            }
        }
        if (version != null && !version.matches("[A-Za-z0-9._-]+")) {
            throw new CommandLine.ParameterException(
                    cl, "--version must be letters, digits, '.', '_' or '-', was '" + version + "'");
        }
        PrintWriter w = cl.getOut();
        ExampleSet examples = ModelData.examples(
                ModelData.read(source, format, strict, kafka, cl.getErr()),
                source.toString(),
                FeatureSpec.defaults(SequencePolicy.defaults()),
                horizon);
        w.println("data: " + ModelData.describe(examples));
        w.flush();
        ModelData.warnIfUnevaluable(examples, horizon, cl.getErr());
        Map<String, double[]> t = ModelData.truth(truth, examples);
        w.flush();
        List<ModelSelection.Candidate> candidates =
                search ? ModelSelection.grid(mc) : ModelSelection.withLinearPart(mc);
        Duration limit = search ? (budget == null ? DEFAULT_BUDGET : budget) : null;
        try (TrainedModel m = ModelSelection.train(examples, t, candidates, limit, line -> {
            w.println(line);
            w.flush();
        })) {
            Reports.table(m.reports()).forEach(w::println);
            Path dir = m.export(out, version);
            w.println("model written to " + dir);
        } catch (TrainingException e) {
            throw new CliException("training refused: " + e.getMessage());
        } catch (FileAlreadyExistsException e) {
            throw new CliException("model version exists already: " + e.getFile());
        }
        w.flush();
        return ExitCodes.OK;
    }

    static ModelConfig readConfig(CommandLine cl, Path file) {
        if (file == null) return ModelConfig.defaults();
        try {
            return ModelConfig.read(file);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, file.getFileName() + ": " + e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
