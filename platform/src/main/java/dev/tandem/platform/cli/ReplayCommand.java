package dev.tandem.platform.cli;

import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventSink;
import dev.tandem.datasets.replay.InvalidInputException;
import dev.tandem.datasets.replay.MalformedLine;
import dev.tandem.datasets.replay.ReplayListener;
import dev.tandem.datasets.replay.ReplayResult;
import dev.tandem.datasets.replay.Replayer;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem replay}: a public log (CSV) into the events topic, keyed by user id. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Replays a CSV log into the events topic as Avro UserEvents keyed by user id, as fast as possible or at --speed times real time.",
            "Malformed lines are counted and reported with line numbers; --strict stops at the first one."
        })
public final class ReplayCommand implements Callable<Integer> {
    /** How many malformed lines are printed with their reason; the count is always printed. */
    static final int PRINTED_MALFORMED = 5;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--format",
            required = true,
            paramLabel = "taobao|rees46",
            description =
                    "taobao: user_id,item_id,category_id,behavior,unix_ts (no header). rees46: the REES46 e-commerce export (with header).")
    CsvFormat format;

    @Parameters(index = "0", paramLabel = "FILE", description = "The CSV file.")
    Path file;

    @Option(
            names = "--topic",
            defaultValue = TandemTopics.EVENTS,
            description = "Target topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = "--speed",
            paramLabel = "X",
            defaultValue = "0",
            description = "Replay at X times real time by event time; 0 (default) for as fast as possible.")
    double speed;

    @Option(
            names = "--strict",
            description = "Fail (exit 1) at the first malformed line; the lines before it have been sent.")
    boolean strict;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Read at most N data rows (0: all).")
    long limit;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file))
            throw new CommandLine.ParameterException(spec.commandLine(), "file not found: " + file);
        if (!Files.isReadable(file))
            throw new CommandLine.ParameterException(spec.commandLine(), "file not readable: " + file);
        if (speed < 0 || Double.isNaN(speed) || Double.isInfinite(speed)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--speed must be >= 0, got " + speed);
        }
        if (limit < 0)
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 0, got " + limit);
        KafkaEndpoints endpoints = kafka.reachableEndpoints();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ReplayResult result;
        try (AvroProducer producer = new AvroProducer(endpoints, "tandem-replay")) {
            result = replay(file, new Replayer.Options(format, speed, strict, limit), producer, topic, err);
        } catch (InvalidInputException e) {
            throw new CliException(e.getMessage());
        }
        out.println("replayed " + file.getFileName() + " into '" + topic + "': " + result.summary());
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The replay path shared with the bench: parse, serialize, send; a progress bar on a terminal,
     * the first malformed lines on {@code err} as they are found.
     */
    public static ReplayResult replay(
            Path file, Replayer.Options options, AvroProducer producer, String topic, PrintWriter err)
            throws Exception {
        long size = Files.size(file);
        long started = System.nanoTime();
        try (Progress progress = Progress.start("replay " + file.getFileName(), size, "MB", 1L << 20)) {
            ReplayListener listener = new ReplayListener() {
                long printed;

                @Override
                public void progress(long bytesRead, long rowsRead, long eventsSent) {
                    progress.stepTo(
                            bytesRead, String.format("%,d events, %s", eventsSent, Progress.rate(eventsSent, started)));
                }

                @Override
                public void malformed(MalformedLine line) {
                    if (printed++ < PRINTED_MALFORMED) printMalformed(line, err);
                }
            };
            ReplayResult r = new Replayer(options)
                    .replay(
                            file,
                            EventSink.of((key, event) -> producer.send(topic, key, event), producer::flush),
                            listener);
            printMoreMalformed(r, err);
            return r;
        }
    }

    /** How replay, train and evaluate report one malformed line of a file. */
    static void printMalformed(MalformedLine line, PrintWriter err) {
        err.println("malformed " + line);
        err.flush();
    }

    /** The count of the malformed lines beyond the first {@value #PRINTED_MALFORMED} printed ones. */
    static void printMoreMalformed(ReplayResult r, PrintWriter err) {
        if (r.malformedLines() > PRINTED_MALFORMED) {
            err.println("… " + (r.malformedLines() - PRINTED_MALFORMED) + " more malformed lines (" + r.malformedLines()
                    + " in total)");
            err.flush();
        }
    }
}
