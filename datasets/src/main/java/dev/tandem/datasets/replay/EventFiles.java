package dev.tandem.datasets.replay;

import dev.tandem.schemas.UserEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole log file in memory, read by the same parsers as {@code tandem replay}, so offline
 * training and tests see exactly the events (and event ids) a replay sends.
 */
public final class EventFiles {
    private EventFiles() {}

    /** What a file held: its events in file order, and the replay's account of it. */
    public record Loaded(List<UserEvent> events, ReplayResult result) {}

    /**
     * @param strict whether a malformed line fails the read ({@link InvalidInputException} naming the
     *     line) instead of being counted in {@link ReplayResult#malformed()}
     */
    public static Loaded read(Path file, CsvFormat format, boolean strict) throws IOException, InvalidInputException {
        List<UserEvent> events = new ArrayList<>();
        EventSink collect = new EventSink() {
            @Override
            public void send(String key, UserEvent event) {
                events.add(event);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        try {
            ReplayResult result =
                    new Replayer(new Replayer.Options(format, 0, strict, 0)).replay(file, collect, ReplayListener.NONE);
            return new Loaded(events, result);
        } catch (InterruptedException e) {
            // Only pacing waits, and this reads unpaced.
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + file, e);
        }
    }
}
