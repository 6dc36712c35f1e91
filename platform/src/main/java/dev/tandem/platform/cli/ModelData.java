package dev.tandem.platform.cli;

import dev.tandem.datasets.generator.EventFileReader;
import dev.tandem.datasets.generator.GroundTruth;
import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.datasets.replay.InvalidInputException;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.Reports;
import dev.tandem.schemas.UserEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;

/** What {@code tandem train} and {@code tandem evaluate} share: reading a log into examples, and its truth. */
final class ModelData {
    /** The formats {@code --format} takes: the replay CSVs and the generator's JSON lines. */
    enum Format {
        TAOBAO, REES46, EVENTS
    }

    private ModelData() {}

    static void requireFile(CommandLine cl, Path file, String what) {
        if (file != null && !Files.isRegularFile(file)) throw new CommandLine.ParameterException(cl, what + " not found: " + file);
    }

    static FunnelConfig funnel(Duration horizon) {
        return new FunnelConfig(FunnelConfig.defaults().stages(), horizon, FunnelConfig.defaults().trainFraction());
    }

    /** Every event of the file, strictly: a malformed line fails with one line naming it. */
    static List<UserEvent> read(Path file, Format format) {
        try {
            return switch (format) {
                case TAOBAO -> EventFiles.read(file, CsvFormat.TAOBAO, true).events();
                case REES46 -> EventFiles.read(file, CsvFormat.REES46, true).events();
                case EVENTS -> EventFileReader.readEvents(file);
            };
        } catch (InvalidInputException e) {
            throw new CliException("malformed data: " + e.getMessage().replace(" (--strict)", ""));
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Examples from the file, or a clear refusal when it yields none. */
    static ExampleSet examples(Path file, Format format, FeatureSpec spec, Duration horizon) {
        List<UserEvent> events = read(file, format);
        if (events.isEmpty()) throw new CliException("no examples: " + file + " holds no events");
        ExampleSet data;
        try {
            data = new ExampleBuilder(new FeatureEncoder(spec), SequencePolicy.defaults(), funnel(horizon)).buildFromUserEvents(events);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (data.validationCount() == 0) {
            throw new CliException("no validation examples: " + data.size() + " exposure(s) in " + file + " are too few to split");
        }
        return data;
    }

    static Map<String, double[]> truth(Path truthFile, ExampleSet data) {
        if (truthFile == null) return null;
        try {
            Map<String, GroundTruth> t = EventFileReader.readTruth(truthFile);
            Map<String, double[]> byId = Reports.truth(t, data.stageNames());
            Reports.ceiling(data, byId); // fails now, with the reason, if the truth is of another file
            return byId;
        } catch (InvalidInputException e) {
            throw new CliException("malformed truth file: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliException("--truth " + truthFile + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CliException("cannot read " + truthFile + ": " + e.getMessage());
        }
    }

    /**
     * A stage whose validation rows hold one class only has no AUC (printed n/a, JSON null): say why on
     * stderr. All negatives censored is the usual cause: the data spans little more than the horizon.
     */
    static void warnIfUnevaluable(ExampleSet data, Duration horizon, java.io.PrintWriter err) {
        var s = data.stats();
        for (int t = 0; t < data.taskCount(); t++) {
            long pos = s.validationPositives().get(t);
            long evaluated = s.validationEvaluated().get(t);
            String stage = data.stageNames().get(t);
            if (evaluated > 0 && pos == evaluated) {
                err.printf(Locale.ROOT, "tandem: warning: every validation negative of %s is censored (the data spans %s, the horizon is %s): its AUC is undefined; use a shorter --horizon or more data%n",
                        stage, Duration.ofMillis(s.dataEndMs() - s.dataStartMs()), horizon);
            } else if (pos == 0) {
                err.printf(Locale.ROOT, "tandem: warning: no validation positive of %s: its AUC is undefined%n", stage);
            }
        }
        err.flush();
    }

    static String describe(ExampleSet data) {
        var s = data.stats();
        return String.format(Locale.ROOT, "%,d events, %,d users, %,d exposures (train %,d, validation %,d), censored %,d, unexposed conversions %s, validation positives %s",
                s.events(), s.users(), s.exposures(), s.trainExamples(), s.validationExamples(), s.censoredExposures(), s.unexposedConversions(),
                s.validationPositives());
    }
}
