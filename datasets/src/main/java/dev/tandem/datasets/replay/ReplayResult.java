package dev.tandem.datasets.replay;

import java.time.Duration;
import java.util.List;

/**
 * What a replay did.
 *
 * @param rowsRead       data lines read (header excluded)
 * @param eventsSent     events handed to the sink and acknowledged
 * @param malformedLines every malformed line is counted here
 * @param firstMalformed the first few of them, with reasons
 */
public record ReplayResult(
        long rowsRead, long eventsSent, long malformedLines, List<MalformedLine> firstMalformed, Duration elapsed) {
    public ReplayResult {
        firstMalformed = List.copyOf(firstMalformed);
    }

    public double eventsPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s > 0 ? eventsSent / s : 0;
    }

    public String summary() {
        return String.format(
                java.util.Locale.ROOT,
                "rows read %,d, events sent %,d, malformed lines %,d (%,.0f events/s over %.1f s)",
                rowsRead,
                eventsSent,
                malformedLines,
                eventsPerSecond(),
                elapsed.toNanos() / 1e9);
    }
}
