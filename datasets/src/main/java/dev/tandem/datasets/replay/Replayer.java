package dev.tandem.datasets.replay;

import dev.tandem.schemas.UserEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a CSV log, turns each line into a {@link UserEvent} keyed by user id, and hands it to an
 * {@link EventSink}, as fast as possible or paced by event time. Malformed lines are counted and
 * reported, never dropped silently; in strict mode the first one stops the replay (events before
 * it have already been sent).
 */
public final class Replayer {
    /** How many malformed lines the result keeps verbatim; all of them are counted. */
    public static final int KEPT_MALFORMED = 20;

    private static final int PROGRESS_EVERY = 8192;

    /**
     * @param speed  multiple of real time by event time; 0 for as fast as possible
     * @param limit  data rows to read at most; 0 for all
     */
    public record Options(CsvFormat format, double speed, boolean strict, long limit) {
        public Options {
            if (format == null) throw new IllegalArgumentException("format");
            if (speed < 0 || Double.isNaN(speed))
                throw new IllegalArgumentException("speed must be >= 0, got " + speed);
            if (limit < 0) throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }

        public static Options fastest(CsvFormat format) {
            return new Options(format, 0, false, 0);
        }
    }

    private final Options options;

    public Replayer(Options options) {
        this.options = options;
    }

    public ReplayResult replay(Path file, EventSink sink, ReplayListener listener)
            throws IOException, InvalidInputException, InterruptedException {
        try (InputStream in = Files.newInputStream(file)) {
            return replay(in, file.getFileName().toString(), sink, listener);
        }
    }

    /** @param sourceName the file name that goes into the event ids */
    public ReplayResult replay(InputStream in, String sourceName, EventSink sink, ReplayListener listener)
            throws IOException, InvalidInputException, InterruptedException {
        long started = System.nanoTime();
        RowParser parser = options.format().newParser(sourceName);
        Pacer pacer = new Pacer(options.speed());
        LineReader lines = new LineReader(in);
        List<MalformedLine> kept = new ArrayList<>();
        long rows = 0;
        long sent = 0;
        long malformed = 0;
        long limit = options.limit() > 0 ? options.limit() : Long.MAX_VALUE;

        if (parser.hasHeader()) {
            if (!lines.next())
                throw new InvalidInputException(
                        "the file is empty; a " + options.format().cliName() + " file starts with a header");
            parser.header(lines.buffer(), lines.start(), lines.end());
        }
        while (rows < limit && lines.next()) {
            rows++;
            UserEvent event;
            try {
                event = parser.parse(lines.buffer(), lines.start(), lines.end(), lines.lineNumber());
            } catch (MalformedLineException e) {
                String reason = lines.terminated()
                        ? e.getMessage()
                        : "last line is cut off (no newline at end of file): " + e.getMessage();
                MalformedLine bad =
                        MalformedLine.of(lines.lineNumber(), reason, lines.buffer(), lines.start(), lines.end());
                if (options.strict()) {
                    sink.flush();
                    throw new InvalidInputException("malformed " + bad + " (--strict)");
                }
                malformed++;
                if (kept.size() < KEPT_MALFORMED) kept.add(bad);
                listener.malformed(bad);
                continue;
            }
            if (pacer.enabled()) pacer.await(event.getEventTime().toEpochMilli());
            sink.send(event.getUserId(), event);
            sent++;
            if ((rows & (PROGRESS_EVERY - 1)) == 0) listener.progress(lines.bytesConsumed(), rows, sent);
        }
        sink.flush();
        listener.progress(lines.bytesConsumed(), rows, sent);
        return new ReplayResult(rows, sent, malformed, kept, Duration.ofNanos(System.nanoTime() - started));
    }
}
