package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenLoopTest {
    @Test
    void itemsAreDueAtStartPlusIOverRate() {
        OpenLoop loop = new OpenLoop(4_000, 1_000_000_000L, 0);

        assertThat(loop.dueNanos(0)).isEqualTo(1_000_000_000L);
        assertThat(loop.dueNanos(1)).isEqualTo(1_000_250_000L);
        assertThat(loop.dueNanos(4_000)).isEqualTo(2_000_000_000L);
        // a third of a microsecond per item is not lost over many items
        assertThat(new OpenLoop(3_000, 0, 0).dueNanos(3_000_000)).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void awaitDueReturnsNoEarlierThanTheDueTimeAndSaysHowLateItIs() {
        OpenLoop loop = OpenLoop.startingIn(1_000, TimeUnit.MILLISECONDS.toNanos(20), 0);

        long late = loop.awaitDue(5);

        assertThat(System.nanoTime()).isGreaterThanOrEqualTo(loop.dueNanos(5));
        assertThat(late).isNotNegative();
    }

    @Test
    void aLateItemIsNotWaitedForAndItsLatenessIsReported() throws Exception {
        OpenLoop loop = OpenLoop.startingIn(1_000, 0, 0);
        TimeUnit.MILLISECONDS.sleep(30); // the stall being measured, not a synchronisation

        assertThat(loop.awaitDue(0)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    }

    @Test
    void dueWallMillisIsTheScheduleOnTheWallClock() {
        long before = System.currentTimeMillis();
        OpenLoop loop = OpenLoop.startingIn(100, 0, 0);
        long after = System.currentTimeMillis();

        assertThat(loop.dueWallMillis(0)).isBetween(before - 1, after + 1);
        assertThat(loop.dueWallMillis(100) - loop.dueWallMillis(0)).isBetween(999L, 1_001L);
    }

    @Test
    void refusesANonPositiveRate() {
        assertThatThrownBy(() -> new OpenLoop(0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
