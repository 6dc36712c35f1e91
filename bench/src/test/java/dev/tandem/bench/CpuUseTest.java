package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CpuUseTest {
    private static final List<CpuUse.Threads> GROUPS = List.of(
            CpuUse.Threads.of("spinner", "^cpu-use-test-spinner$"), CpuUse.Threads.of("nobody", "^no-such-thread$"));

    @Test
    void chargesAThreadGroupWithItsOwnCpuAndNothingToAGroupWithoutThreads() throws Exception {
        CpuUse before = CpuUse.take(GROUPS, Map.of());
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch sampled = new CountDownLatch(1);
        Thread spinner = new Thread(
                () -> {
                    // spins for 100 ms of its own CPU, however busy the machine, then stays alive until sampled: a
                    // finished thread's CPU is no longer reported
                    java.lang.management.ThreadMXBean tm = java.lang.management.ManagementFactory.getThreadMXBean();
                    long x = 0;
                    while (tm.getCurrentThreadCpuTime() < 100_000_000L) x += System.nanoTime() % 7;
                    if (x == 42) System.out.print("");
                    spun.countDown();
                    try {
                        sampled.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "cpu-use-test-spinner");
        spinner.start();
        spun.await();
        CpuUse during = CpuUse.take(GROUPS, Map.of());
        sampled.countDown();
        spinner.join();

        assertThat(during.threadSecondsSince(before, "spinner")).isGreaterThanOrEqualTo(0.1);
        assertThat(during.threadSecondsSince(before, "nobody")).isZero();
        // the process figure counts in clock ticks (10 ms), the thread's in nanoseconds
        assertThat(during.jvmSecondsSince(before))
                .isGreaterThanOrEqualTo(during.threadSecondsSince(before, "spinner") - 0.02);
        assertThat(during.machineBusySince(before)).isBetween(0.0, 1.0);
        assertThat(during.coresSince(before)).containsKeys("machine", "jvm", "spinner", "nobody");
    }
}
