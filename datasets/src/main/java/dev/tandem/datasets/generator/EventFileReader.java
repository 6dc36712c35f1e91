package dev.tandem.datasets.generator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.datasets.replay.InvalidInputException;
import dev.tandem.datasets.replay.LineReader;
import dev.tandem.datasets.replay.MalformedLine;
import dev.tandem.datasets.replay.ReplayResult;
import dev.tandem.datasets.replay.Replayer;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads what {@link EventFileWriter} writes: the {@code events} JSON-lines format (one
 * {@code UserEvent} object per line, {@code event_time} ISO-8601), and the ground-truth CSV
 * ({@code event_id,user_id,item_id,p_cart,p_purchase}). A malformed line fails the read with an
 * {@link InvalidInputException} naming the file and line, except in {@link #readEvents(Path, boolean)}'s lenient
 * mode, which counts and skips malformed lines as {@code tandem replay} does with CSVs.
 */
public final class EventFileReader {
    private static final JsonFactory JSON = new JsonFactory();

    private EventFileReader() {}

    /** Every event of an {@code events} JSON-lines file, in file order; blank lines are skipped. */
    public static List<UserEvent> readEvents(Path file) throws IOException, InvalidInputException {
        return readEvents(file, true).events();
    }

    /**
     * Every event of an {@code events} JSON-lines file, in file order; blank lines are skipped. Malformed lines follow
     * the replay's policy: with {@code strict} the first fails the read, otherwise each is counted and skipped, the
     * first {@value Replayer#KEPT_MALFORMED} kept with their line numbers (a last line without a newline, as a file
     * cut off mid-write ends, says so).
     */
    public static EventFiles.Loaded readEvents(Path file, boolean strict) throws IOException, InvalidInputException {
        long started = System.nanoTime();
        List<UserEvent> out = new ArrayList<>();
        List<MalformedLine> kept = new ArrayList<>();
        long rows = 0;
        long malformed = 0;
        try (LineReader lines = new LineReader(Files.newInputStream(file))) {
            while (lines.next()) {
                String line =
                        new String(lines.buffer(), lines.start(), lines.end() - lines.start(), StandardCharsets.UTF_8);
                if (line.isBlank()) continue;
                rows++;
                try {
                    out.add(parse(line));
                } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
                    String reason =
                            String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                    if (!lines.terminated()) reason = "last line is cut off (no newline at end of file): " + reason;
                    if (strict)
                        throw new InvalidInputException(
                                file.getFileName() + " line " + lines.lineNumber() + ": " + reason);
                    malformed++;
                    if (kept.size() < Replayer.KEPT_MALFORMED) {
                        kept.add(MalformedLine.of(
                                lines.lineNumber(), reason, lines.buffer(), lines.start(), lines.end()));
                    }
                }
            }
        }
        return new EventFiles.Loaded(
                out,
                new ReplayResult(rows, out.size(), malformed, kept, Duration.ofNanos(System.nanoTime() - started)));
    }

    static UserEvent parse(String line) throws IOException {
        Map<String, String> text = new HashMap<>();
        Double price = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("attributes")) {
                    p.skipChildren();
                } else if (field.equals("price")) {
                    if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT)
                        price = p.getDoubleValue();
                    else if (v != JsonToken.VALUE_NULL) throw new IllegalArgumentException("price is not a number");
                } else if (v == JsonToken.VALUE_STRING) {
                    text.put(field, p.getText());
                } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
            }
        }
        String time = require(text, "event_time");
        Action action;
        try {
            action = Action.valueOf(require(text, "action").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown action '" + text.get("action") + "'");
        }
        return new UserEvent(
                require(text, "event_id"),
                require(text, "user_id"),
                require(text, "item_id"),
                require(text, "category_id"),
                action,
                Instant.parse(time),
                price,
                text.get("brand"),
                text.get("session_id"),
                Map.of());
    }

    private static String require(Map<String, String> m, String field) {
        String v = m.get(field);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing field " + field);
        return v;
    }

    /** The truth file of a generated log, by event id. */
    public static Map<String, GroundTruth> readTruth(Path file) throws IOException, InvalidInputException {
        Map<String, GroundTruth> out = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || !header.trim().equals(EventFileWriter.TRUTH_HEADER)) {
                throw new InvalidInputException(
                        file.getFileName() + " line 1: expected the header '" + EventFileWriter.TRUTH_HEADER + "'");
            }
            String line;
            long n = 1;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                try {
                    if (f.length != 5) throw new IllegalArgumentException("expected 5 fields, found " + f.length);
                    out.put(
                            f[0],
                            new GroundTruth(f[0], f[1], f[2], Double.parseDouble(f[3]), Double.parseDouble(f[4])));
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(file.getFileName() + " line " + n + ": " + e.getMessage());
                }
            }
        }
        return out;
    }
}
