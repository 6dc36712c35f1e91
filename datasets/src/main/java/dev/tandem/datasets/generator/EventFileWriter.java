package dev.tandem.datasets.generator;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * Writes generated events to a file (see {@link EventFileFormat}) and, optionally, the ground
 * truth of every view to a CSV {@code event_id,user_id,item_id,p_cart,p_purchase} whose ids are
 * the ids the events have in the written file (and after replaying it).
 */
public final class EventFileWriter implements Closeable {
    public static final String TRUTH_HEADER = "event_id,user_id,item_id,p_cart,p_purchase";

    private final EventFileFormat format;
    private final String sourceName;
    private final Writer csv;
    private final JsonGenerator json;
    private final OutputStream jsonOut;
    private final Writer truth;
    private long lines;

    public EventFileWriter(Path out, EventFileFormat format, Path truthFile) throws IOException {
        this.format = format;
        this.sourceName = out.getFileName().toString();
        if (format == EventFileFormat.TAOBAO) {
            csv = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
            json = null;
            jsonOut = null;
        } else {
            csv = null;
            jsonOut = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
            json = new JsonFactory().createGenerator(jsonOut, JsonEncoding.UTF8);
            // One object per line: newline as the root separator, no indentation.
            json.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
        }
        if (truthFile != null) {
            truth = new BufferedWriter(Files.newBufferedWriter(truthFile, StandardCharsets.UTF_8), 1 << 16);
            truth.write(TRUTH_HEADER);
            truth.write('\n');
        } else {
            truth = null;
        }
    }

    public void write(GeneratedEvent e) throws IOException {
        lines++;
        String id;
        if (format == EventFileFormat.TAOBAO) {
            String behaviour = behaviour(e);
            id = "taobao:" + sourceName + ":" + lines;
            csv.write(e.userId());
            csv.write(',');
            csv.write(e.itemId());
            csv.write(',');
            csv.write(e.categoryId());
            csv.write(',');
            csv.write(behaviour);
            csv.write(',');
            csv.write(Long.toString(Math.floorDiv(e.eventTimeMillis(), 1000)));
            csv.write('\n');
        } else {
            id = e.eventId();
            writeJson(e, id);
        }
        if (truth != null && e.isView()) {
            truth.write(id);
            truth.write(',');
            truth.write(e.userId());
            truth.write(',');
            truth.write(e.itemId());
            truth.write(',');
            truth.write(String.format(Locale.ROOT, "%.6f,%.6f%n", e.pCart(), e.pPurchase()));
        }
    }

    private static String behaviour(GeneratedEvent e) {
        return switch (e.action()) {
            case VIEW -> "pv";
            case CART -> "cart";
            case FAVORITE -> "fav";
            case PURCHASE -> "buy";
            default -> throw new IllegalArgumentException("the Taobao format has no behaviour for " + e.action());
        };
    }

    private void writeJson(GeneratedEvent e, String id) throws IOException {
        json.writeStartObject();
        json.writeStringField("event_id", id);
        json.writeStringField("user_id", e.userId());
        json.writeStringField("item_id", e.itemId());
        json.writeStringField("category_id", e.categoryId());
        json.writeStringField("action", e.action().name());
        json.writeStringField(
                "event_time", Instant.ofEpochMilli(e.eventTimeMillis()).toString());
        json.writeNumberField("price", e.price());
        json.writeStringField("brand", e.brand());
        json.writeStringField("session_id", e.sessionId());
        json.writeObjectFieldStart("attributes");
        json.writeEndObject();
        json.writeEndObject();
    }

    public long written() {
        return lines;
    }

    @Override
    public void close() throws IOException {
        try {
            if (csv != null) csv.close();
            if (json != null) {
                if (lines > 0) json.writeRaw('\n');
                json.close();
                jsonOut.close();
            }
        } finally {
            if (truth != null) truth.close();
        }
    }
}
