package dev.tandem.bench.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bench.OpenLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The latency run's sender stamps each event with its scheduled send time, so a stalled sender cannot hide latency. */
class ScheduledSendTest {
    @Test
    void aStalledSenderStillStampsEveryEventWithItsScheduledTime() {
        List<byte[][]> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) events.add(new byte[][] {{(byte) i}, {(byte) i}});
        OpenLoop schedule = OpenLoop.startingIn(1_000, TimeUnit.MILLISECONDS.toNanos(10), 0);
        List<Long> stamps = new ArrayList<>();
        List<Long> sentAtMs = new ArrayList<>();

        Histogram lag = FeaturesLatency.sendPaced(events, schedule, 0, (kv, timestampMs) -> {
            stamps.add(timestampMs);
            sentAtMs.add(schedule.wallMillis(System.nanoTime()));
            if (kv[0][0] == 5) stall(100); // the sender blocks (a full buffer, a GC pause): events 6..19 go out late
        });

        for (int i = 0; i < events.size(); i++)
            assertThat(stamps.get(i)).as("event %d", i).isEqualTo(schedule.dueWallMillis(i));
        assertThat(stamps.get(19) - stamps.get(0)).isBetween(18L, 20L); // 1 ms apart, as scheduled
        assertThat(sentAtMs.get(6) - stamps.get(6))
                .as("event 6 went out late, and its stamp says when it was due")
                .isGreaterThanOrEqualTo(90);
        assertThat(lag.getMaxValue()).as("sender lag, µs").isGreaterThanOrEqualTo(90_000);
    }

    @Test
    void lagIsRecordedOnlyFromTheFirstMeasuredEvent() {
        List<byte[][]> events = List.of(new byte[][] {{0}, {0}}, new byte[][] {{1}, {1}}, new byte[][] {{2}, {2}});
        OpenLoop schedule = OpenLoop.startingIn(1_000, 0, 0);

        Histogram lag = FeaturesLatency.sendPaced(events, schedule, 2, (kv, timestampMs) -> {});

        assertThat(lag.getTotalCount()).isEqualTo(1);
    }

    private static void stall(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
