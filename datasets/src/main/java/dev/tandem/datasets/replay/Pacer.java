package dev.tandem.datasets.replay;

import java.util.concurrent.locks.LockSupport;

/**
 * Replays at a multiple of real time by event time. The clock follows the largest event time
 * seen so far: logs are only roughly ordered (the Taobao dump is sorted by user), and an event
 * earlier than that is sent at once instead of rewinding the clock.
 */
final class Pacer {
    private final double speed;
    private long firstEventMillis = Long.MIN_VALUE;
    private long maxEventMillis;
    private long startNanos;

    /** @param speed multiple of real time; 0 or less for "as fast as possible" */
    Pacer(double speed) {
        this.speed = speed;
    }

    boolean enabled() {
        return speed > 0;
    }

    void await(long eventMillis) throws InterruptedException {
        if (speed <= 0) return;
        if (firstEventMillis == Long.MIN_VALUE) {
            firstEventMillis = eventMillis;
            maxEventMillis = eventMillis;
            startNanos = System.nanoTime();
            return;
        }
        if (eventMillis <= maxEventMillis) return;
        maxEventMillis = eventMillis;
        long due = startNanos + (long) ((eventMillis - firstEventMillis) * 1_000_000.0 / speed);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }
}
